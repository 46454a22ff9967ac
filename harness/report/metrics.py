"""Metric directions, read from the scorer families that declare them, and the key metrics a report shows first."""

from __future__ import annotations

from harness.scorers.family import Direction, declared_direction, get_family

__all__ = ["COST_METRIC", "KEY_METRICS", "OUTPUT_TOKENS_METRIC", "QUALITY_METRICS", "Direction", "default_metrics",
           "direction", "higher_is_better", "in_win_rate", "is_cost", "is_ranked", "unranked_reason"]

# Shown in the main table, in this order, when present in the run.
KEY_METRICS: tuple[str, ...] = (
    "coverage.recall",
    "coverage.substantive_recall",
    "coverage.precision",
    "coverage.substantive_precision",
    "citations.on_topic_rate",
    "citations.support_rate",
    "citations.support_precision",
    "citations.valid_rate",
    "length.in_target",
    "length.truncated",
    "plan.references_used_rate",
    "degeneracy.repeated_sentences",
    "degeneracy.copied",
    "degeneracy.dumped_citations",
    "degeneracy.empty_sections",
    "cost.usd",
)
# Plain counts a citation dump maxes out: shown, but when the run has the substantive version the mean win rate
# averages that one instead (README, "Gaming").
SUPERSEDED: dict[str, str] = {"coverage.recall": "coverage.substantive_recall",
                              "coverage.precision": "coverage.substantive_precision"}

# Preferred quality axis of the cost-quality plot, first present wins.
QUALITY_METRICS: tuple[str, ...] = ("coverage.recall", "citations.on_topic_rate", "citations.support_rate")
COST_METRIC = "cost.usd"
OUTPUT_TOKENS_METRIC = "cost.output_tokens"


def direction(metric: str) -> Direction:
    """The direction its scorer family declares; "none" (unknown) for a metric no registered family declares."""
    return declared_direction(metric) or "none"


def unranked_reason(metric: str) -> str | None:
    """Why the metric has no direction to rank or gate by (its family declares none, or no family declares it)."""
    way = declared_direction(metric)
    if way is not None:
        return None if way != "none" else (f"the {metric.split('.', 1)[0]} scorer family declares no direction "
                                           "for it (neither higher nor lower is better)")
    fam = get_family(metric.split(".", 1)[0])
    if fam is not None:
        return f"the {fam.name} scorer family does not declare it, so its direction is unknown"
    return ("no registered scorer family declares it, so its direction is unknown (a plug-in family the run used "
            "that is not loaded?)")


def is_ranked(metric: str) -> bool:
    """True when generators can be ranked on the metric (it declares higher or lower is better)."""
    return direction(metric) != "none"


def is_cost(metric: str) -> bool:
    """Cost metrics: ranked on their own, but kept out of the overall quality win rate."""
    return metric.startswith("cost.")


def in_win_rate(metric: str, metrics: list[str]) -> bool:
    """Whether the overall mean win rate averages this metric: ranked, not a cost, not superseded by a metric
    among `metrics` that counts the same thing in substance."""
    return is_ranked(metric) and not is_cost(metric) and SUPERSEDED.get(metric) not in metrics


def higher_is_better(metric: str) -> bool:
    """Direction as a bool: False only for metrics declared lower-is-better."""
    return direction(metric) != "lower"


def default_metrics(available: list[str] | set[str]) -> list[str]:
    """Key metrics present in the run, in key order; all available metrics when none of the key ones is."""
    avail = set(available)
    chosen = [m for m in KEY_METRICS if m in avail]
    return chosen or sorted(avail)
