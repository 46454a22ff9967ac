"""Read and validate one task (a file, or a row of an export): errors name file, field and line."""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.core.errors import HarnessError, pydantic_errors
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
                           path=path, field="content_hash", line=_locate(text, path, ("content_hash",)),
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
    line = _locate(text, path, loc) if loc else None
    return HarnessError(message, path=path, field=field, line=line or base.line)


def _locate(text: str | None, path: str | Path, loc: tuple) -> int | None:
    """Line of the value at loc in a JSON or YAML text (None when not findable)."""
    if not text or not loc:
        return None
    try:
        if str(path).lower().endswith(".json"):
            return _json_line(text, loc)
        return _yaml_line(text, loc)
    except Exception:  # best effort only: never hide the real error
        return None


def _json_line(text: str, loc: tuple) -> int | None:
    """Walk the JSON text along loc, returning the line where the deepest reachable value starts."""
    pos = _skip_ws(text, 0)
    best = None
    for key in loc:
        best = pos
        if text[pos] == "{" and isinstance(key, str):
            pos = _find_member(text, pos, key)
        elif text[pos] == "[" and isinstance(key, int):
            pos = _find_item(text, pos, key)
        else:
            pos = None
        if pos is None:
            break
        best = pos
    return text.count("\n", 0, best) + 1 if best is not None else None


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _skip_value(text: str, pos: int) -> int:
    """Position just after the JSON value starting at pos."""
    ch = text[pos]
    if ch == '"':
        return scanstring(text, pos + 1)[1]
    if ch in "{[":
        close = "}" if ch == "{" else "]"
        pos = _skip_ws(text, pos + 1)
        if text[pos] == close:
            return pos + 1
        while True:
            if ch == "{":
                pos = _skip_ws(text, scanstring(text, pos + 1)[1])
                pos = _skip_ws(text, pos + 1)  # past ':'
            pos = _skip_ws(text, _skip_value(text, pos))
            if text[pos] == close:
                return pos + 1
            pos = _skip_ws(text, pos + 1)  # past ','
    m = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null").match(text, pos)
    if not m:
        raise ValueError(f"unexpected {ch!r} at {pos}")
    return m.end()


def _find_member(text: str, pos: int, key: str) -> int | None:
    """Start of the value of key in the object at pos."""
    pos = _skip_ws(text, pos + 1)
    while text[pos] != "}":
        name, pos = scanstring(text, pos + 1)
        pos = _skip_ws(text, _skip_ws(text, pos) + 1)
        if name == key:
            return pos
        pos = _skip_ws(text, _skip_value(text, pos))
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
    return None


def _find_item(text: str, pos: int, index: int) -> int | None:
    """Start of item index in the array at pos."""
    pos = _skip_ws(text, pos + 1)
    i = 0
    while text[pos] != "]":
        if i == index:
            return pos
        pos = _skip_ws(text, _skip_value(text, pos))
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        i += 1
    return None


def _yaml_line(text: str, loc: tuple) -> int | None:
    """Line of the node at loc (or its deepest reachable parent) in a YAML text."""
    import yaml

    node = yaml.compose(text)
    line = None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if getattr(k, "value", None) == key:
                    nxt = v
                    line = k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
            line = nxt.start_mark.line + 1
        node = nxt
    return line
