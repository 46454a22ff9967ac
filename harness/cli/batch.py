"""Commands over several files: every readable file is handled, each bad one is one `error:` line, exit 2 last."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import typer

from harness.core.errors import HarnessError


def each_file(paths: Iterable[Path], handle: Callable[[Path], None]) -> None:
    """Call handle(path) for every path; a HarnessError is printed as one line naming the file and the batch goes
    on; after the last file, exit 2 when any file failed (`N of M files could not be read`)."""
    paths = list(paths)
    bad = 0
    for path in paths:
        try:
            handle(path)
        except HarnessError as exc:
            bad += 1
            if exc.path is None:
                exc = HarnessError(exc.message, path=path, field=exc.field, line=exc.line, hint=exc.hint)
            typer.echo(f"error: {exc}", err=True)
    if bad:
        typer.echo(f"error: {bad} of {len(paths)} files could not be read (the others are above)", err=True)
        raise typer.Exit(code=2)
