"""A scorer family from outside the harness: how much of a review hedges (may, might, could, suggests, ...)."""

from __future__ import annotations

import re

from harness.models import Score, Task
from harness.papers.resolve import ResolvedReview
from harness.scorers.family import scorer_family
from harness.core.text import paragraphs, split_sentences

HEDGES = re.compile(r"\b(may|might|could|possibly|perhaps|appears?|seems?|suggests?|likely|unclear)\b", re.I)


@scorer_family("hedging", scores={"hedging.rate": "none", "hedging.sentences": "none"})
def hedging(resolved: ResolvedReview, task: Task, context) -> list[Score]:
    """Share of the review's sentences with a hedge word (neither better nor worse: a reading aid)."""
    sentences = [s for para in paragraphs(resolved.review.text) for s in split_sentences(para)]
    if not sentences:
        why = "the review has no sentences to read"
        return [Score.na("hedging.rate", why), Score.na("hedging.sentences", why)]
    hedged = [s for s in sentences if HEDGES.search(s)]
    return [Score.ok("hedging.rate", len(hedged) / len(sentences), f"{len(hedged)} of {len(sentences)} sentences "
                     "hedge", hedged=len(hedged)),
            Score.ok("hedging.sentences", len(sentences), f"{len(sentences)} sentences read")]
