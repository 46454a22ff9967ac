"""Local task exports (JSON lines, or a JSON list of tasks), read without `datasets` so errors name the line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from harness.core.errors import HarnessError
from harness.models import Task
from harness.tasks.validate import validate_task

EXPORT_SUFFIXES = (".json", ".jsonl")


def export_files(src: Path) -> list[Path]:
    """The export's files: src itself, or the .json/.jsonl files directly in a directory (sorted)."""
    if not src.is_dir():
        return [src]
    files = sorted(p for p in src.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES)
    if not files:
        raise HarnessError("no .json/.jsonl files in dataset dir", path=src)
    return files


def _rows(path: Path) -> Iterator[tuple[int, int | None, Any]]:
    """(row index, line or None, row) of one export file: JSON lines, or one JSON list of task objects."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise HarnessError(f"not valid UTF-8 at byte offset {exc.start}", path=path) from None
    except OSError as exc:
        raise HarnessError(f"cannot read task export: {exc.strerror or exc}", path=path) from None
    if path.suffix.lower() == ".json" and text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise HarnessError(f"invalid JSON: {exc.msg} (column {exc.colno})", path=path, line=exc.lineno) from None
        except RecursionError:
            raise HarnessError("JSON nested too deeply", path=path) from None
        yield from ((i, None, row) for i, row in enumerate(rows))
        return
    row = 0
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HarnessError(f"invalid JSON in row {row}: {exc.msg} (column {exc.colno})", path=path, line=n,
                               hint="a JSON-lines export holds one task object per line") from None
        except RecursionError:
            raise HarnessError(f"JSON nested too deeply in row {row}", path=path, line=n) from None
        yield row, n, data
        row += 1


def load_task_export(src: str | Path) -> dict[str, Task]:
    """Tasks of a local export by id (id order); HarnessError naming file, line (or row), field on a bad row."""
    suite: dict[str, Task] = {}
    for path in export_files(Path(src)):
        for row, line, data in _rows(path):
            where = f"{path}[row {row}]" if line is None else path
            try:
                task = validate_task(data, where, None)
            except HarnessError as exc:
                raise HarnessError(f"{exc.message} (row {row})", path=where, field=exc.field, line=line,
                                   hint=exc.hint) from None
            if task.id in suite:
                raise HarnessError(f"task id {task.id!r} appears twice (row {row})", path=where, field="id",
                                   line=line)
            suite[task.id] = task
    return dict(sorted(suite.items()))
