"""Shape of the review: how many headings, how deep, how many top-level sections."""

from __future__ import annotations

from harness.models import Review, Score, Task

NAMES = ["structure.headings", "structure.top_sections", "structure.max_depth"]


def score_structure(resolved, task: Task, ctx) -> list[Score]:
    """structure.* counts from the review's headings; not_applicable when it has none."""
    review: Review = resolved.review
    if not review.sections:
        return [Score.na(n, "the review has no headings") for n in NAMES]
    levels = [s.level for s in review.sections]
    top = min(levels)
    n_top = sum(1 for lv in levels if lv == top)
    depth = max(levels) - top + 1
    return [
        Score.ok("structure.headings", len(levels), f"{len(levels)} headings in the review body"),
        Score.ok("structure.top_sections", n_top, f"{n_top} headings at the top level used (level {top})"),
        Score.ok("structure.max_depth", depth, f"headings span {depth} level(s) ({top} to {max(levels)})"),
    ]
