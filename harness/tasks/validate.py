"""Read and validate one task (a file, or a row of an export): errors name file, field and line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.core.errors import HarnessError, pydantic_errors
from harness.core.sourcelines import locate
from harness.models import Task

TASK_SUFFIXES = (".json", ".yaml", ".yml")


def load_task_file(path: str | Path) -> Task:
    """Read and validate one task file; HarnessError naming file, field and line on any problem."""
    path = Path(path)
    if path.suffix.lower() not in TASK_SUFFIXES:
        raise HarnessError(f"not a task file (expected {', '.join(TASK_SUFFIXES)})", path=path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise HarnessError(f"cannot read task file: {exc.strerror or exc}", path=path) from None
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HarnessError(f"not valid UTF-8 at byte offset {exc.start}", path=path,
                           hint="task files must be UTF-8 text") from None
    data = parse_task_text(text, path)
    return validate_task(data, path, text)


def parse_task_text(text: str, path: Path) -> Any:
    """JSON or YAML text -> data; syntax errors carry line (and column)."""
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise HarnessError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", path=path,
                               line=exc.lineno) from None
        except RecursionError:
            raise HarnessError("JSON nested too deeply to read", path=path) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise HarnessError("YAML nested too deeply to read", path=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        col = f", column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise HarnessError(f"invalid YAML: {problem} (line {line}{col})", path=path, line=line) from None


def validate_task(data: Any, path: str | Path, text: str | None) -> Task:
    """Data -> Task; pydantic errors become HarnessError with field and line; the stored hash is checked."""
    if not isinstance(data, dict):
        raise HarnessError(f"a task file must hold one object (mapping), got {type(data).__name__}", path=path)
    try:
        task = Task.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, path, text) from None
    actual = task.compute_hash()
    if task.content_hash is None:
        task.content_hash = actual
    elif task.content_hash != actual:
        raise HarnessError(f"content_hash {task.content_hash[:12]}... does not match the content ({actual[:12]}...)",
                           path=path, field="content_hash", line=locate(text, ("content_hash",), path),
                           hint="the file was edited after it was built: rebuild it, or delete content_hash "
                                "to accept the edit")
    return task


_MODEL_LOC = re.compile(r"^(?:Value error, )?(\w+)\[(\d+)\](?:\.(\w+))? (.*)$")


def _validation_error(exc: ValidationError, path: str | Path, text: str | None) -> HarnessError:
    """Like pydantic_errors, plus: field/line for Task's own cross-checks and exact JSON/YAML lines."""
    base = pydantic_errors(exc, path, text)
    first = exc.errors()[0]
    loc: tuple = tuple(first.get("loc", ()))
    message = base.message
    if not loc:  # a model-level check (e.g. a pool paper id missing from papers): recover the field
        m = _MODEL_LOC.match(first.get("msg", ""))
        if m:
            loc = (m.group(1), int(m.group(2))) + ((m.group(3),) if m.group(3) else ())
            message = first["msg"].removeprefix("Value error, ")
            if len(exc.errors()) > 1:
                message += f" (+{len(exc.errors()) - 1} more problems)"
    field = ".".join(str(p) for p in loc) or base.field
    line = locate(text, loc, path) if loc else None
    return HarnessError(message, path=path, field=field, line=line or base.line)
