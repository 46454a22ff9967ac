"""Generators: litellm strategies, the local LLM, offline baselines, replay; build_generator picks one by kind."""

from __future__ import annotations

from typing import Callable

from harness.errors import HarnessError
from harness.generators.base import Generator, GeneratorSpec

GeneratorFactory = Callable[[GeneratorSpec], Generator]
_REGISTRY: dict[str, Callable[[], GeneratorFactory]] = {}


def register(kind: str, loader: Callable[[], GeneratorFactory]) -> None:
    """Register a generator kind; the loader imports its module only when the kind is used."""
    _REGISTRY[kind] = loader


def _llm() -> GeneratorFactory:
    from harness.generators.strategies import LLMGenerator
    return LLMGenerator


def _extractive() -> GeneratorFactory:
    from harness.generators.baselines import ExtractiveGenerator
    return ExtractiveGenerator


def _recent() -> GeneratorFactory:
    from harness.generators.baselines import RecentPapersGenerator
    return RecentPapersGenerator


def _replay() -> GeneratorFactory:
    from harness.generators.replay import ReplayGenerator
    return ReplayGenerator


register("llm", _llm)
register("extractive", _extractive)
register("recent_papers", _recent)
register("replay", _replay)


def kinds() -> list[str]:
    """Registered generator kinds."""
    return sorted(_REGISTRY)


def calls_provider(spec: GeneratorSpec) -> bool:
    """Whether a generator calls an LLM provider (and so goes through the run's cache, retries and budget)."""
    return spec.kind == "llm"


def build_generator(spec: GeneratorSpec) -> Generator:
    """The generator for a spec (HarnessError for an unknown kind or an incomplete spec)."""
    loader = _REGISTRY.get(spec.kind)
    if loader is None:
        raise HarnessError(f"generator {spec.name!r}: unknown kind {spec.kind!r}", field="kind",
                           hint=f"known: {', '.join(kinds())}")
    return loader()(spec)


__all__ = ["build_generator", "calls_provider", "register", "kinds", "Generator", "GeneratorSpec"]
