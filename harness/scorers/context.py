"""The scorers' context: every input a scorer reads beyond the review and the task, passed in explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness.papers.index import ScoringSuite


def _default_embedder():
    from harness.embeddings.encoder import get_embedder

    return get_embedder()


@dataclass
class ScoringContext:
    """What scorers may need beyond the review and task: models, judge settings, threshold overrides, and the
    suite read beside the task (the known-paper index, relevance's contrast topics), each passed in explicitly."""

    embedder: Callable[[], Any] = _default_embedder
    judge_model: str | None = None
    judge_api_base: str | None = None
    judge_repeats: int = 1  # judge family: asks per aspect, the median rating counts
    judge_cache_dir: Path = field(default_factory=lambda: Path(".cache") / "judge")
    thresholds: dict[str, float] = field(default_factory=dict)  # overrides: "relevance", "support"
    extra_metrics: list[str] = field(default_factory=list)  # local `evaluate` metric dirs for overlap.extra.*
    api_base: str | None = None  # the generator's API base (a localhost base means a free local model)
    verify_online: bool = False  # look identified/unidentified references up online (harness.papers.verify); off by default
    verify_cache_dir: Path = field(default_factory=lambda: Path(".cache"))
    fetch_abstracts: bool = False  # fetch cited papers' missing abstracts online (harness.papers.abstract_fetch); off by default
    support: Any = None  # scorers.support: method similarity | nli | llm, model, repeats (None = similarity)
    relevance: Any = None  # scorers.relevance: method (harness.scorers.judge_methods), model (None = the default)
    relevance_embedder: Callable[[], Any] | None = None  # the `neighbours` method's encoder (None = multilingual USE)
    support_also: list[Any] = field(default_factory=list)  # extra support methods scored beside (names .<method>)
    judge_calls: Any = None  # JudgeCalls for LLM judges (the runner's bridge); None = plain cached litellm
    generator_model: str | None = None  # the model under test (a judge of its family is flagged)
    suite: ScoringSuite = field(default_factory=ScoringSuite)  # the suite and known-paper index (empty: none)


__all__ = ["ScoringContext", "ScoringSuite"]
