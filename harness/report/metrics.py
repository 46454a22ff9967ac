"""The one table of metric directions and the key metrics a report shows first."""

from __future__ import annotations

from typing import Literal

Direction = Literal["higher", "lower", "none"]

# The declared direction of every score name the scorers emit: "higher" / "lower" is better, "none" when a
# value is neither good nor bad in itself (a count of headings, a word count, a ratio best near 1). Metrics
# declared "none", or not declared at all, are shown but never ranked. Read it through `direction()` only: the
# declarations are to move into the scorer families.
DIRECTIONS: dict[str, Direction] = {
    "coverage.recall": "higher",
    "coverage.precision": "higher",
    "coverage.f1": "higher",
    "coverage.pooled_precision": "higher",
    "coverage.heading_soft_recall": "higher",
    "coverage.method_recall": "higher",
    "citations.dangling": "lower",
    "citations.unresolved": "lower",
    "citations.duplicates": "lower",
    "citations.valid_rate": "higher",
    "citations.on_topic_rate": "higher",
    "citations.off_topic": "lower",
    "citations.support_rate": "higher",
    "citations.support_precision": "higher",
    "citations.unverifiable": "lower",  # fewer claims that cannot be checked (as the gate has always read it)
    "citations.in_task_rate": "higher",
    "citations.web_sources": "none",  # web pages are references of another kind, not errors
    "citations.unidentified": "lower",  # no identifier and no title match anywhere: the likely-invented class
    "citations.not_found": "lower",
    "length.words": "none",
    "length.target_ratio": "none",  # best near 1, not monotone
    "length.in_target": "higher",
    "length.truncated": "lower",
    "length.at_token_cap": "none",  # reported, but no evidence of truncation on its own
    "plan.sections_delivered_rate": "higher",
    "plan.references_used_rate": "higher",
    "plan.target_words": "none",
    "plan.words_ratio": "none",  # best near 1, not monotone
    "plan.truncated": "lower",
    "cost.usd": "lower",
    "cost.input_tokens": "lower",
    "cost.output_tokens": "lower",
    "cost.latency_s": "lower",
    "overlap.rouge1": "higher",
    "overlap.rouge2": "higher",
    "overlap.rougeL": "higher",
    "overlap.bertscore_f1": "higher",
    "judge.coverage": "higher",
    "judge.structure": "higher",
    "judge.relevance": "higher",
    "structure.headings": "none",
    "structure.top_sections": "none",
    "structure.max_depth": "none",
}

# Metrics where a smaller value is better (kept for callers of the older name).
LOWER_IS_BETTER: frozenset[str] = frozenset(m for m, d in DIRECTIONS.items() if d == "lower")

# Shown in the main table, in this order, when present in the run.
KEY_METRICS: tuple[str, ...] = (
    "coverage.recall",
    "coverage.precision",
    "citations.on_topic_rate",
    "citations.support_rate",
    "citations.valid_rate",
    "length.in_target",
    "length.truncated",
    "plan.references_used_rate",
    "cost.usd",
)

# Preferred quality axis of the cost-quality plot, first present wins.
QUALITY_METRICS: tuple[str, ...] = ("coverage.recall", "citations.on_topic_rate", "citations.support_rate")
COST_METRIC = "cost.usd"
OUTPUT_TOKENS_METRIC = "cost.output_tokens"


def direction(metric: str) -> Direction:
    """The metric's declared direction; "none" for a metric nobody declared."""
    return DIRECTIONS.get(metric, "none")


def is_ranked(metric: str) -> bool:
    """True when generators can be ranked on the metric (it declares higher or lower is better)."""
    return direction(metric) != "none"


def is_cost(metric: str) -> bool:
    """Cost metrics: ranked on their own, but kept out of the overall quality win rate."""
    return metric.startswith("cost.")


def higher_is_better(metric: str) -> bool:
    """Direction as a bool: False only for metrics declared lower-is-better."""
    return direction(metric) != "lower"


def default_metrics(available: list[str] | set[str]) -> list[str]:
    """Key metrics present in the run, in key order; all available metrics when none of the key ones is."""
    avail = set(available)
    chosen = [m for m in KEY_METRICS if m in avail]
    return chosen or sorted(avail)
