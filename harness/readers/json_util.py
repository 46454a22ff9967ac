"""JSON loading with a clear error (line and column) instead of a decoder traceback."""

from __future__ import annotations

import json

from harness.core.errors import HarnessError


def load_json(text: str) -> object:
    """json.loads, raising HarnessError with the line of the first syntax error (or on absurd nesting)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise HarnessError(f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from None
    except RecursionError:  # "[[[[..." thousands deep: the decoder recurses once per level
        raise HarnessError("JSON nested too deeply to read", hint="no generator output nests this deep") from None
