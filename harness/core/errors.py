"""User-facing errors: say which file, field and line is wrong, so the CLI can print them without a traceback."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Callable

from harness.core.sourcelines import key_line


class HarnessError(Exception):
    """An error about the user's input or environment, printed as one clear message."""

    def __init__(self, message: str, *, path: str | Path | None = None, field: str | None = None,
                 line: int | None = None, hint: str | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.field = field
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(self.path + (f":{self.line}" if self.line else ""))
        if self.field:
            where.append(f"field '{self.field}'")
        head = ", ".join(where)
        text = f"{head}: {self.message}" if head else self.message
        text = f"{text} ({self.hint})" if self.hint else text
        return " ".join(text.split()) if "\n" in text else text  # always one line


class HarnessWarning(UserWarning):
    """Something in the user's input was lost or replaced, and the result says so (e.g. an unreadable line)."""


_SINK: list[Callable[[str], None]] = []


def set_warning_sink(sink: Callable[[str], None] | None) -> None:
    """Where warn() sends its one-line messages (the CLI prints them to stderr); None: Python warnings."""
    _SINK[:] = [sink] if sink else []


def warn(message: str) -> None:
    """Tell the user what was lost or replaced while reading their files (one line)."""
    if _SINK:
        _SINK[0](message)
    else:
        warnings.warn(message, HarnessWarning, stacklevel=2)


# pydantic's own wording, as users should read it (the prefix of ValueErrors raised in validators is dropped)
_PLAIN = {"missing": "required field is missing", "extra_forbidden": "unknown field (check its spelling)"}
_PREFIX = re.compile(r"^(?:Value error|Assertion failed), ")


def plain_message(error: dict) -> str:
    """One pydantic error dict as a one-line message without pydantic's wording or documentation URLs."""
    msg = _PLAIN.get(error.get("type", "")) or _PREFIX.sub("", str(error.get("msg", "invalid")))
    msg = " ".join(msg.split())  # some messages span lines
    return re.sub(r"\s*\[?For further information visit https?://\S+\]?", "", msg)


def pydantic_errors(exc: Exception, path: str | Path, text: str | None = None) -> HarnessError:
    """Turn a pydantic ValidationError into a HarnessError naming the first bad field (and its line if findable)."""
    errors = getattr(exc, "errors", lambda: [])()
    if not errors:
        return HarnessError(" ".join(str(exc).split()[:40]), path=path)
    first = errors[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    msg = plain_message(first)
    more = f" (+{len(errors) - 1} more problems)" if len(errors) > 1 else ""
    line = key_line(text, first.get("loc", ()))
    return HarnessError(f"{msg}{more}", path=path, field=loc or None, line=line)
