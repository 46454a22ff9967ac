"""The one table of metric directions and the key metrics a report shows first."""

from __future__ import annotations

# Metrics where a smaller value is better; every other metric is higher-is-better.
LOWER_IS_BETTER: frozenset[str] = frozenset({
    "cost.usd",
    "cost.input_tokens",
    "cost.output_tokens",
    "cost.latency_s",
    "length.truncated",
    "citations.off_topic",
    "citations.unresolved",
    "citations.unverifiable",
    "citations.dangling",
    "citations.duplicates",
})

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


def higher_is_better(metric: str) -> bool:
    """Direction of a metric: False for the lower-is-better table above."""
    return metric not in LOWER_IS_BETTER


def default_metrics(available: list[str] | set[str]) -> list[str]:
    """Key metrics present in the run, in key order; all available metrics when none of the key ones is."""
    avail = set(available)
    chosen = [m for m in KEY_METRICS if m in avail]
    return chosen or sorted(avail)
