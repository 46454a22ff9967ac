"""Shape of the review: how many headings, how deep, how many top-level sections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.models import Review, Score, Task
from harness.papers.resolve import ResolvedReview
from harness.scorers.family import Direction, scorer_family

if TYPE_CHECKING:
    from harness.scorers import ScoringContext

# counts describe a review's shape; more headings or depth is not better or worse in itself
SCORES: dict[str, Direction] = {"structure.headings": "none", "structure.top_sections": "none",
                                "structure.max_depth": "none"}
NAMES = list(SCORES)
ABOUT = {  # one line per score: what it measures (rendered into docs/metrics.md)
    "structure.headings": "number of headings in the review",
    "structure.top_sections": "number of top-level sections",
    "structure.max_depth": "deepest heading level used",
}


@scorer_family("structure", scores=SCORES, about=ABOUT)
def score_structure(resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
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
