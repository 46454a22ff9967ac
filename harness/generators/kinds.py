"""The generator-kind plug point: `@generator_kind` declares a kind, build_generator picks a generator by kind.

A kind declares whether it calls a provider (the runner then gives its calls the run's cache, retries and
budget), which spec fields it needs, and, if it has any, its own typed options (a pydantic model whose fields a
config writes at the top level of the generator entry). Built-in kinds (llm, extractive, recent_papers, replay,
the controls) declare themselves in their modules the same way a user's plug-in does; the registry
(harness.core.registries.GENERATOR_KINDS) knows their names without importing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, TypeVar

from pydantic import BaseModel

from harness.core.errors import HarnessError
from harness.core.registries import GENERATOR_KINDS, STRATEGIES
from harness.generators.base import Generator, GeneratorSpec

GeneratorFactory = Callable[[GeneratorSpec], Generator]
F = TypeVar("F", bound=Callable[..., Generator])


@dataclass(frozen=True)
class Kind:
    """A registered generator kind: its factory, whether it calls a provider, the spec fields it needs, its
    options model (None: the kind takes no options of its own), the rounds of calls a generation of a spec makes
    (None: one, if it calls a provider)."""

    name: str
    factory: GeneratorFactory
    calls_provider: bool = False
    requires: tuple[str, ...] = ()
    options: type[BaseModel] | None = None
    rounds: Callable[[GeneratorSpec], int] | None = None

    @property
    def origin(self) -> str:
        """"module.qualname" of the factory (who registered the name)."""
        return f"{self.factory.__module__}.{self.factory.__qualname__}"


def _check(name: str, requires: Iterable[str], options: type[BaseModel] | None) -> tuple[str, ...]:
    """The required fields, checked against GeneratorSpec; the options model checked not to shadow a spec field."""
    fields = tuple(requires)
    unknown = [f for f in fields if f not in GeneratorSpec.model_fields]
    if unknown:
        raise HarnessError(f"generator kind {name!r} requires {unknown}, which are not GeneratorSpec fields",
                           field="requires", hint="known fields: " + ", ".join(GeneratorSpec.model_fields))
    if options is not None and not (isinstance(options, type) and issubclass(options, BaseModel)):
        raise HarnessError(f"generator kind {name!r}: options must be a pydantic model class", field="options")
    shadow = sorted(set(options.model_fields) & set(GeneratorSpec.model_fields)) if options is not None else []
    if shadow:
        raise HarnessError(f"generator kind {name!r}: options {shadow} are GeneratorSpec fields already",
                           field="options", hint="give the options other names")
    return fields


def generator_kind(name: str, *, calls_provider: bool, requires: Iterable[str] = (),
                   options: type[BaseModel] | None = None,
                   rounds: Callable[[GeneratorSpec], int] | None = None) -> Callable[[F], F]:
    """Class or function decorator: `fn(spec) -> Generator` builds generators of kind `name`.

    calls_provider: the generator sends LLM requests through the client it is given (the run's cache, retries,
    rate limits and budget apply). requires: spec fields that must be set for this kind (e.g. ("model",)).
    options: a pydantic model of the kind's own options, written at the top level of a generator entry
    (`sentences: 2`), validated and typed by this model and read back as `spec.options`. rounds(spec): how many of
    a generation's calls run one after another (a plan, then the writing: 2; default 1), so the runner can start
    the longer chains first.
    """
    def decorate(factory: F) -> F:
        GENERATOR_KINDS.add(name, Kind(name, factory, calls_provider, _check(name, requires, options), options,
                                       rounds))
        return factory

    return decorate


def kinds() -> list[str]:
    """Registered generator kinds (nothing imported)."""
    return sorted(GENERATOR_KINDS.names())


def kind_of(name: str) -> Kind:
    """The declaration of a registered kind, its module imported on first use (HarnessError naming the known
    kinds otherwise)."""
    if name not in GENERATOR_KINDS:
        raise HarnessError(f"unknown generator kind {name!r}", field="kind", hint=f"known: {', '.join(kinds())}")
    return GENERATOR_KINDS.get(name)


def calls_provider(spec: GeneratorSpec) -> bool:
    """Whether this spec's generator calls an LLM provider (its kind's declared flag)."""
    return kind_of(spec.kind).calls_provider


def call_rounds(spec: GeneratorSpec) -> int:
    """Rounds of provider calls one generation of this spec makes, each waiting for the one before: 0 for a kind
    that calls no provider, else the kind's declaration (1 if it declares none)."""
    kind = kind_of(spec.kind)
    if not kind.calls_provider:
        return 0
    return kind.rounds(spec) if kind.rounds is not None else 1


def build_generator(spec: GeneratorSpec) -> Generator:
    """The generator for a spec (HarnessError for an unknown kind or an incomplete spec)."""
    if spec.kind not in GENERATOR_KINDS:
        raise HarnessError(f"generator {spec.name!r}: unknown kind {spec.kind!r}", field="kind",
                           hint=f"known: {', '.join(kinds())}")
    return kind_of(spec.kind).factory(spec)


def load_builtins() -> None:
    """Import the modules that declare the built-in kinds and strategies (the registries know their names
    without this; it is for code that wants every declaration resolved)."""
    GENERATOR_KINDS.values()
    STRATEGIES.values()
