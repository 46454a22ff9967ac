"""JSONL primitives of the run directory: cut a torn last line, read strictly, read leniently (counting bad lines)."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from harness.core.errors import HarnessError, warn
from harness.runner.store.layout import GENERATIONS, HINTS

__all__ = ["JsonlRead", "decode_line", "iter_jsonl", "read_jsonl_lenient", "repair_jsonl"]


def repair_jsonl(path: Path) -> int:
    """Cut a torn last line (left by a kill mid-write) so appends start on a fresh line; returns bytes cut."""
    if not path.exists():
        return 0
    size = path.stat().st_size
    if size == 0:
        return 0
    with open(path, "rb+") as fh:
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return 0
        # scan back for the last newline
        pos, chunk = size, 65536
        keep = 0
        while pos > 0:
            start = max(0, pos - chunk)
            fh.seek(start)
            buf = fh.read(pos - start)
            i = buf.rfind(b"\n")
            if i >= 0:
                keep = start + i + 1
                break
            pos = start
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())
    warn(f"{path}: cut {size - keep} bytes of a torn last line (an interrupted write); the record on it is lost"
         + (" and its cell runs again" if path.name == GENERATIONS else ""))
    return size - keep


def decode_line(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """One JSONL line -> (object, "") or (None, what is wrong with it)."""
    try:
        rec = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON ({exc.msg})"
    except RecursionError:
        return None, "JSON nested too deeply"
    except ValueError:  # undecodable bytes
        return None, "not UTF-8 text"
    if not isinstance(rec, dict):
        return None, f"a JSON {type(rec).__name__}, not an object"
    return rec, ""


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Complete JSON lines of a file; a torn or unparsable last line is ignored (a kill mid-append)."""
    if not path.exists():
        return
    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    # The part after the final newline is empty for a complete file, a torn line otherwise.
    complete, tail = lines[:-1], lines[-1]
    for i, raw in enumerate(complete):
        if not raw.strip():
            continue
        rec, why = decode_line(raw)
        if rec is None:
            raise HarnessError(f"unreadable line: {why}", path=path, line=i + 1, hint=HINTS.get(path.name))
        yield rec
    del tail


_CELL_TEXT = re.compile(rb'"cell"\s*:\s*"((?:[^"\\]|\\.)*)"')


@dataclass
class JsonlRead:
    """A JSONL file read leniently: its object lines, and the lines that could not be read (1-based)."""

    path: Path
    exists: bool
    records: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # line number of each record
    unreadable: list[int] = field(default_factory=list)
    torn: bool = False  # the file ends in a line without newline (an interrupted append): it is unreadable
    lost_cells: list[str] = field(default_factory=list)  # cell keys still legible in unreadable lines

    def problem(self) -> str:
        """'3 unreadable lines (4, 9, 12 torn)' (empty when every line was read)."""
        if not self.unreadable:
            return ""
        shown = [str(n) + (" torn" if self.torn and n == self.unreadable[-1] else "") for n in self.unreadable[:8]]
        more = f", +{len(self.unreadable) - 8} more" if len(self.unreadable) > 8 else ""
        n = len(self.unreadable)
        text = f"{n} unreadable line{'s' if n != 1 else ''} ({', '.join(shown)}{more})"
        return text + (f" of cells {', '.join(self.lost_cells[:5])}" if self.lost_cells else "")


def read_jsonl_lenient(path: Path) -> JsonlRead:
    """Every readable object line of a JSONL file, counting (not raising on) the unreadable ones."""
    out = JsonlRead(path=path, exists=path.exists())
    if not out.exists:
        return out
    data = path.read_bytes()
    lines = data.split(b"\n")
    out.torn = bool(lines[-1].strip())  # text after the last newline: an append cut short
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        rec, _why = decode_line(raw) if not (out.torn and n == len(lines)) else (None, "torn")
        if rec is None:
            out.unreadable.append(n)
            m = _CELL_TEXT.search(raw)
            if m:
                try:
                    out.lost_cells.append(json.loads(b'"' + m.group(1) + b'"'))
                except ValueError:
                    pass
            continue
        out.records.append(rec)
        out.lines.append(n)
    return out
