"""Scoring one stored generation: the scorers' context for a generator, and scores that never silently zero."""

from __future__ import annotations

from harness.config import ExperimentConfig
from harness.core.secrets import redact_text
from harness.core.errors import HarnessError
from harness.generators.base import Generation, GeneratorSpec
from harness.models import Score, Task
from harness.scorers import NAMES, ScoringContext, check_families, score_review
from harness.scorers.context import ScoringSuite

__all__ = ["score_generation", "scoring_context", "scoring_suite"]


def score_generation(gen: Generation, task: Task, families: list[str] | None,
                     context: ScoringContext | None = None) -> list[Score]:
    """Scores of one generation; a failed generation gets an error row per score name, never a silent zero."""
    if gen.review is None:
        why = f"no review to score: {gen.error or 'generator returned nothing'}"
        names = [n for f in check_families(families) for n in NAMES[f]]
        return [Score.err(n, why) for n in names] or [Score.err("generation", why)]
    if families is not None and not families:
        return []  # no family asked for: skip resolving the review against the task (~25 ms) for nothing
    try:
        return list(score_review(gen.review, task, context, families))
    except HarnessError as exc:
        return [Score.err("scoring", f"scoring failed: {exc}")]
    except Exception as exc:  # noqa: BLE001 - a scorer bug must not kill the run; it is recorded per cell
        return [Score.err("scoring", f"scoring failed: {type(exc).__name__}: {redact_text(str(exc))[:500]}")]


def scoring_suite(config: ExperimentConfig) -> ScoringSuite:
    """The suite scoring reads beside each task: the config's tasks_dir (hashed in config_hash) and the paper
    files HARNESS_PAPER_FILES names (read here, at the edge; the manifest records their sha256)."""
    return ScoringSuite.from_env(config.tasks_dir)


def scoring_context(config: ExperimentConfig, spec: GeneratorSpec | None, judge: bool = True,
                    judge_calls: object = None) -> ScoringContext:
    """The scorers' context for one generator: judge and support settings from the config, the generator's
    api_base and model, the config's suite; judge_calls bridges LLM judges to the run's client."""
    judge_dir = config.cache_path().parent / "judge"
    return ScoringContext(judge_model=config.scorers.judge_model if judge else None, judge_cache_dir=judge_dir,
                          api_base=spec.api_base if spec is not None else None,
                          support=getattr(config.scorers, "support", None), judge_calls=judge_calls,
                          relevance=getattr(config.scorers, "relevance", None),
                          generator_model=spec.model if spec is not None else None,
                          judge_repeats=getattr(config.scorers, "judge_repeats", 1),
                          judge_api_base=getattr(config.scorers, "judge_api_base", None),
                          verify_online=bool(getattr(config.scorers, "verify_online", False)),
                          fetch_abstracts=bool(getattr(config.scorers, "fetch_abstracts", False)),
                          verify_cache_dir=config.cache_path().parent, suite=scoring_suite(config))
