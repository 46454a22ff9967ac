"""Generators: the kind registry (`@generator_kind`), and build_generator, which picks a generator by kind.

A kind declares whether it calls a provider (the runner then gives its calls the run's cache, retries and
budget) and which spec fields it needs. Built-in kinds (llm, extractive, recent_papers, replay) declare
themselves in their modules the same way a user's plug-in does; their modules are imported on first use.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Iterable, TypeVar

from harness.core.errors import HarnessError
from harness.generators.base import Generator, GeneratorSpec

GeneratorFactory = Callable[[GeneratorSpec], Generator]
F = TypeVar("F", bound=Callable[..., Generator])

# Modules whose generator classes declare the built-in kinds.
_BUILTIN_MODULES = ("harness.generators.strategies", "harness.generators.baselines", "harness.generators.replay",
                    "harness.generators.controls")


@dataclass(frozen=True)
class Kind:
    """A registered generator kind: how to build it, whether it calls a provider, which spec fields it needs."""

    name: str
    loader: Callable[[], GeneratorFactory]
    calls_provider: bool = False
    requires: tuple[str, ...] = ()
    origin: str = ""  # "module.qualname" of the factory (who registered the name)


_REGISTRY: dict[str, Kind] = {}
_BUILTINS_LOADED = False


def _check_requires(name: str, requires: Iterable[str]) -> tuple[str, ...]:
    fields = tuple(requires)
    unknown = [f for f in fields if f not in GeneratorSpec.model_fields]
    if unknown:
        raise HarnessError(f"generator kind {name!r} requires {unknown}, which are not GeneratorSpec fields",
                           field="requires", hint="known fields: " + ", ".join(GeneratorSpec.model_fields))
    return fields


def register(kind: str, loader: Callable[[], GeneratorFactory], *, calls_provider: bool = False,
             requires: Iterable[str] = ()) -> None:
    """Register a generator kind lazily: the loader imports its module only when the kind is built."""
    _REGISTRY[kind] = Kind(kind, loader, calls_provider, _check_requires(kind, requires),
                           origin=getattr(loader, "__module__", ""))


def generator_kind(name: str, *, calls_provider: bool, requires: Iterable[str] = ()) -> Callable[[F], F]:
    """Class or function decorator: `fn(spec) -> Generator` builds generators of kind `name`.

    calls_provider: the generator sends LLM requests through the client it is given (the run's cache, retries,
    rate limits and budget apply). requires: spec fields that must be set for this kind (e.g. ("model",)).
    """
    def decorate(factory: F) -> F:
        origin = f"{factory.__module__}.{factory.__qualname__}"
        old = _REGISTRY.get(name)
        if old is not None and old.origin != origin:
            raise HarnessError(f"generator kind {name!r} is registered twice: by {old.origin} and by {origin}",
                               field="kind", hint="give the new kind another name")
        _REGISTRY[name] = Kind(name, lambda: factory, calls_provider, _check_requires(name, requires), origin)
        return factory

    return decorate


def load_builtins() -> None:
    """Import the modules that declare the built-in kinds and strategies (once)."""
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        _BUILTINS_LOADED = True
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)


def kinds() -> list[str]:
    """Registered generator kinds."""
    load_builtins()
    return sorted(_REGISTRY)


def kind_of(name: str) -> Kind:
    """The declaration of a registered kind (HarnessError naming the known kinds otherwise)."""
    load_builtins()
    kind = _REGISTRY.get(name)
    if kind is None:
        raise HarnessError(f"unknown generator kind {name!r}", field="kind", hint=f"known: {', '.join(kinds())}")
    return kind


def calls_provider(spec: GeneratorSpec) -> bool:
    """Whether this spec's generator calls an LLM provider (its kind's declared flag; the runner reads only this)."""
    return kind_of(spec.kind).calls_provider


def build_generator(spec: GeneratorSpec) -> Generator:
    """The generator for a spec (HarnessError for an unknown kind or an incomplete spec)."""
    load_builtins()
    kind = _REGISTRY.get(spec.kind)
    if kind is None:
        raise HarnessError(f"generator {spec.name!r}: unknown kind {spec.kind!r}", field="kind",
                           hint=f"known: {', '.join(kinds())}")
    return kind.loader()(spec)


__all__ = ["build_generator", "calls_provider", "generator_kind", "kind_of", "kinds", "load_builtins", "register",
           "Generator", "GeneratorSpec", "Kind"]
