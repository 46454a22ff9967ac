"""Generators: the kind registry (`@generator_kind`, harness.generators.kinds), and build_generator, which picks a
generator by kind. The spec, Generation and the Generator protocol are in harness.generators.base."""

from harness.generators.base import Generator, GeneratorSpec
from harness.generators.kinds import (Kind, build_generator, call_rounds, calls_provider, generator_kind, kind_of,
                                      kinds, load_builtins)

__all__ = ["build_generator", "call_rounds", "calls_provider", "generator_kind", "kind_of", "kinds", "load_builtins",
           "Generator", "GeneratorSpec", "Kind"]
