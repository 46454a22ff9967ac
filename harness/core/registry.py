"""One lazy registry type: names map to objects, or to "module:attribute" strings imported on first use.

Built-in entries are declared as strings (harness.core.registries) so that checking a name never imports the
implementations (an NLI method's torch, a generator's litellm). On first use a string entry imports its module:
a module that registers itself on import (a decorator such as `@generator_kind`) replaces the string with its
declaration; otherwise the module's attribute is the entry. Plug-ins register objects with the same decorators.
A name registered twice by different code is an error naming both.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from harness.core.errors import HarnessError

T = TypeVar("T")
_MISSING: Any = object()


class UnknownName(HarnessError, KeyError):
    """A name no entry of the registry holds (a KeyError too, so mapping-style lookups behave as a dict's)."""


class Registry(Generic[T]):
    """Named entries of one kind (e.g. "support method"), in registration order, resolved lazily."""

    def __init__(self, what: str, field: str | None = None) -> None:
        self.what = what
        self.field = field  # the config field that names an entry (for errors)
        self._entries: dict[str, T | str] = {}
        self._resolved: dict[str, T] = {}  # "module:attribute" -> what it resolved to (kept across restore)

    def add(self, name: str, entry: T | str) -> None:
        """Register `entry` (an object or "module:attribute") under `name`; HarnessError if other code holds it."""
        old = self._entries.get(name)
        if old is not None and origin(old) != origin(entry):
            raise HarnessError(f"{self.what} {name!r} is registered twice: by {origin(old)} and by {origin(entry)}",
                               field=self.field, hint="give one of them another name")
        if isinstance(old, str) and not isinstance(entry, str):  # the declaration its string named
            self._resolved[old] = entry
        if not (isinstance(entry, str) and old is not None):  # a string never replaces what it declared
            self._entries[name] = entry

    def get(self, name: str, default: Any = _MISSING) -> T:
        """The entry named `name`, imported on first use; without a default, HarnessError naming the registered
        ones if unknown."""
        if name not in self._entries:
            if default is not _MISSING:
                return default
            raise UnknownName(f"unknown {self.what} {name!r}", field=self.field,
                              hint="use one of: " + ", ".join(self.names()))
        entry = self._entries[name]
        if isinstance(entry, str):
            entry = self._resolved[entry] if entry in self._resolved else self._import(name, entry)
            self._entries[name] = entry
        return entry  # type: ignore[return-value]

    def _import(self, name: str, entry: str) -> T:
        """Import the module of a "module:attribute" entry: what it registered under `name`, else the attribute."""
        module_name, _, attr = entry.partition(":")
        module = importlib.import_module(module_name)
        now = self._entries.get(name)
        resolved = now if now is not None and not isinstance(now, str) else getattr(module, attr)
        self._resolved[entry] = resolved
        return resolved

    def names(self) -> list[str]:
        """The registered names, in registration order (nothing imported)."""
        return list(self._entries)

    def remove(self, name: str) -> None:
        """Drop an entry (tests restoring a registry)."""
        self._entries.pop(name, None)

    def pop(self, name: str, default: Any = _MISSING) -> T:
        value = self.get(name, default)
        self.remove(name)
        return value

    def snapshot(self) -> dict[str, T | str]:
        """The entries as they are (restore them with `restore`, e.g. after a test registered plug-ins)."""
        return dict(self._entries)

    def restore(self, entries: dict[str, T | str]) -> None:
        self._entries = dict(entries)

    # mapping view: `name in reg`, `reg[name]`, iteration over names, items() resolving every entry
    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __setitem__(self, name: str, entry: T) -> None:
        """Set an entry without the registered-twice check (tests patching a built-in)."""
        self._entries[name] = entry

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[str]:
        return self.names()

    def items(self) -> list[tuple[str, T]]:
        return [(name, self.get(name)) for name in self.names()]

    def values(self) -> list[T]:
        return [self.get(name) for name in self.names()]

    def __repr__(self) -> str:
        return f"Registry({self.what!r}: {', '.join(self._entries)})"


def origin(entry: object) -> str:
    """"module:qualname" of the code behind an entry (its `fn` or `factory` when it is a declaration)."""
    if isinstance(entry, str):
        return entry
    code = getattr(entry, "fn", None) or getattr(entry, "factory", None) or entry
    return f"{getattr(code, '__module__', '?')}:{getattr(code, '__qualname__', repr(code))}"
