"""Atomic file writes, for every module that writes: readers see the old content or the new, never a part."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path


def open_temp(path: Path, private: bool = False) -> tuple[int, str]:
    """A new temp file beside path, for an atomic replace: mode 0666 less the user's umask, 0600 if private."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:  # os.open applies the umask (mkstemp would always give 0600)
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666), tmp
        except FileExistsError:
            continue


def atomic_write(path: Path, data: bytes | str, private: bool = False) -> None:
    """Write a file via temp + fsync + os.replace; the user's umask, or 0600 when private (may hold secrets)."""
    fd, tmp = open_temp(path, private)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_TEMP = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")  # open_temp's names


def remove_stale_temps(directory: Path) -> list[str]:
    """Delete the temp files a killed atomic write left in directory (only while holding its writers' lock)."""
    stale = sorted(p for p in directory.iterdir() if p.is_file() and _TEMP.match(p.name)) if directory.is_dir() else []
    for p in stale:
        p.unlink(missing_ok=True)
    return [p.name for p in stale]


__all__ = ["atomic_write", "open_temp", "remove_stale_temps"]
