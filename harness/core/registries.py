"""The harness's registries, with their built-in entries as lazy "module:attribute" strings.

A config is checked against these names without importing a generator, a strategy or a scorer; each entry's
module is imported when the entry is first used. Plug-ins add entries with the decorators of the packages that
define what an entry is (`@generator_kind`, `@strategy`, `@scorer_family`, `@support_method`,
`@relevance_method`); a plug-in reusing a built-in name is an error, without any built-in being imported.
"""

from __future__ import annotations

from typing import Any

from harness.core.registry import Registry

GENERATOR_KINDS: Registry[Any] = Registry("generator kind", field="kind")  # harness.generators.kinds.Kind
STRATEGIES: Registry[Any] = Registry("strategy", field="strategy")  # async fn(StrategyRun) -> Draft
SCORER_FAMILIES: Registry[Any] = Registry("scorer family", field="scorers.families")  # scorers.family.Family
SUPPORT_METHODS: Registry[Any] = Registry("support method", field="scorers.support.method")
RELEVANCE_METHODS: Registry[Any] = Registry("relevance method", field="scorers.relevance.method")

_CONTROLS = ("bibliography_dump", "abstract_paste", "title_paste", "filler_padding", "repeated_paragraph",
             "headings_only")
for _name, _entry in [("llm", "harness.generators.strategies:LLMGenerator"),
                      ("extractive", "harness.generators.baselines:ExtractiveGenerator"),
                      ("recent_papers", "harness.generators.baselines:RecentPapersGenerator"),
                      ("replay", "harness.generators.replay:ReplayGenerator"),
                      *[(c, f"harness.generators.controls:Control_{c}") for c in _CONTROLS]]:
    GENERATOR_KINDS.add(_name, _entry)

for _name in ("zero_shot", "plan_then_write", "outline_sections", "closed_book"):
    STRATEGIES.add(_name, f"harness.generators.strategies:{_name}")

# the order families run in and their scores are written (byte-identical scores depend on it)
for _name in ("degeneracy", "coverage", "citations", "length", "plan", "cost", "overlap", "judge", "structure"):
    SCORER_FAMILIES.add(_name, f"harness.scorers.{_name}:score_{_name}")

SUPPORT_METHODS.add("similarity", "harness.scorers.support_similarity:METHOD")
SUPPORT_METHODS.add("nli", "harness.scorers.support_nli:METHOD")
SUPPORT_METHODS.add("llm", "harness.scorers.support_llm:METHOD")
SUPPORT_METHODS.add("signals", "harness.scorers.support_signals:METHOD")
RELEVANCE_METHODS.add("title_similarity", "harness.scorers.relevance:METHOD")
RELEVANCE_METHODS.add("neighbours", "harness.scorers.relevance_neighbours:METHOD")
RELEVANCE_METHODS.add("llm", "harness.scorers.relevance_llm:METHOD")
RELEVANCE_METHODS.add("contrast", "harness.scorers.relevance_neighbours:CONTRAST_METHOD")
DEFAULT_SUPPORT = "similarity"
DEFAULT_RELEVANCE = "contrast"  # the best balanced accuracy on the dev labels (docs/judges.md)
BUILTIN_METHODS = {"support": tuple(SUPPORT_METHODS.names()), "relevance": tuple(RELEVANCE_METHODS.names())}

ALL = (GENERATOR_KINDS, STRATEGIES, SCORER_FAMILIES, SUPPORT_METHODS, RELEVANCE_METHODS)
DECLARED = {registry.what: tuple(registry.names()) for registry in ALL}  # the built-ins, as declared here
