"""User-facing errors: say which file, field and line is wrong, so the CLI can print them without a traceback."""

from __future__ import annotations

from pathlib import Path


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
        return f"{text} ({self.hint})" if self.hint else text


def pydantic_errors(exc: Exception, path: str | Path, text: str | None = None) -> HarnessError:
    """Turn a pydantic ValidationError into a HarnessError naming the first bad field (and its line if findable)."""
    errors = getattr(exc, "errors", lambda: [])()
    if not errors:
        return HarnessError(str(exc), path=path)
    first = errors[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    msg = first.get("msg", "invalid")
    if first.get("type") == "missing":
        msg = "required field is missing"
    more = f" (+{len(errors) - 1} more problems)" if len(errors) > 1 else ""
    line = _line_of(text, first.get("loc", ())) if text else None
    return HarnessError(f"{msg}{more}", path=path, field=loc or None, line=line)


def _line_of(text: str, loc: tuple) -> int | None:
    """Best-effort line number of the last named key of loc in a JSON/YAML text."""
    keys = [k for k in loc if isinstance(k, str)]
    if not keys:
        return None
    needle_json, needle_yaml = f'"{keys[-1]}"', f"{keys[-1]}:"
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith(needle_json) or s.startswith(needle_yaml) or f" {needle_json}:" in line:
            return i
    return None
