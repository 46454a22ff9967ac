"""Finding a field's line in the YAML or JSON text it was read from, so errors can name file, field and line.

One place for every such search: `locate` walks the parsed node tree along a pydantic loc (keys and list
indices), `key_line` and `value_line` fall back to searching the text when the tree cannot be walked.
"""

from __future__ import annotations

import re
from json.decoder import scanstring
from pathlib import Path

import yaml

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def locate(text: str | None, loc: tuple, path: str | Path | None = None) -> int | None:
    """Line of the deepest node of loc found in a JSON text (path ends in .json) or YAML text; None if none."""
    if not text or not loc:
        return None
    try:
        if str(path or "").lower().endswith(".json"):
            return json_line(text, loc)
        return yaml_line(text, loc)
    except Exception:  # best effort only: never hide the real error
        return None


def yaml_line(text: str, loc: tuple) -> int | None:
    """Line of the deepest node of loc (a key's line, a list item's first line) in a YAML text; None if none."""
    try:
        node = yaml.compose(text)
    except (yaml.YAMLError, RecursionError):
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            hit = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def key_line(text: str | None, loc: tuple) -> int | None:
    """Line of the deepest key of loc written as `key:` or `"key":` anywhere on a line (flow mappings included)."""
    if not text:
        return None
    for key in reversed([k for k in loc if isinstance(k, str)]):
        pat = re.compile(r"(^|[\s{,])[\"']?" + re.escape(key) + r"[\"']?\s*:")
        for i, line in enumerate(text.splitlines(), 1):
            if pat.search(line.split("#", 1)[0]):
                return i
    return None


def value_line(text: str | None, value: str | None) -> int | None:
    """Line of the first line holding value as a whole item (for errors about list items such as a task id)."""
    if not text or not value:
        return None
    for i, line in enumerate(text.splitlines(), 1):
        s = line.split("#", 1)[0]
        if re.search(r"(^|[\s\[,:'\"-])" + re.escape(value) + r"($|[\s\],'\"])", s):
            return i
    return None


def json_line(text: str, loc: tuple) -> int | None:
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
    m = _NUMBER.match(text, pos)
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
