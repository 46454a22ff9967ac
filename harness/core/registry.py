"""One lazy registry type: names map to objects, or to "module:attribute" strings imported on first use.

Built-in entries are declared as strings so that looking a name up never imports every implementation (an
NLI method's torch, a judge's litellm); plug-ins register objects with their decorators. A name registered
twice by different code is an error naming both.
"""

from __future__ import annotations

import importlib
from typing import Generic, TypeVar

from harness.core.errors import HarnessError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named entries of one kind (e.g. "support method"), resolved lazily."""

    def __init__(self, what: str, field: str | None = None) -> None:
        self.what = what
        self.field = field  # the config field that names an entry (for errors)
        self._entries: dict[str, T | str] = {}

    def add(self, name: str, entry: T | str) -> None:
        """Register `entry` (an object or "module:attribute") under `name`; HarnessError if another holds it."""
        old = self._entries.get(name)
        if old is not None and _origin(old) != _origin(entry):
            raise HarnessError(f"{self.what} {name!r} is registered twice: by {_origin(old)} and by {_origin(entry)}",
                               hint="give one of them another name")
        self._entries[name] = entry

    def get(self, name: str) -> T:
        """The entry named `name`, imported on first use; HarnessError naming the registered ones if unknown."""
        entry = self._entries.get(name)
        if entry is None:
            raise HarnessError(f"unknown {self.what} {name!r}", field=self.field,
                               hint="use one of: " + ", ".join(self.names()))
        if isinstance(entry, str):
            module, _, attr = entry.partition(":")
            entry = getattr(importlib.import_module(module), attr)
            self._entries[name] = entry
        return entry  # type: ignore[return-value]

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def remove(self, name: str) -> None:
        """Drop an entry (tests restoring a registry)."""
        self._entries.pop(name, None)


def _origin(entry: object) -> str:
    if isinstance(entry, str):
        return entry
    fn = getattr(entry, "fn", entry)
    return f"{getattr(fn, '__module__', '?')}:{getattr(fn, '__qualname__', repr(fn))}"
