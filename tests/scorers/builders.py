"""Real scorer inputs for the tests: a review resolved against a task, exactly as `score_review` resolves it."""

from __future__ import annotations

from functools import lru_cache

from harness.models import Review, Task
from harness.papers.resolve import ResolvedReview, resolve_for_task
from harness.scorers.context import ScoringContext


@lru_cache(maxsize=1)
def small_task() -> Task:
    """A valid two-paper task (one in the bibliography, one off-topic in the pool), for scorers that need any."""
    return Task.model_validate({
        "id": "small-graph-task",
        "topic": "graph neural networks",
        "target_words": {"min": 100, "max": 300},
        "target_references": {"min": 1, "max": None},
        "reference_survey": {"title": "A survey of graph neural networks", "year": 2024},
        "papers": [{"id": "2301.10001", "title": "Message passing on graphs", "arxiv_id": "2301.10001"},
                   {"id": "2503.30001", "title": "Dark matter halo profiles in dwarf galaxies",
                    "arxiv_id": "2503.30001"}],
        "reference_papers": ["2301.10001"],
        "pool": [{"paper_id": "2301.10001", "role": "reference"}, {"paper_id": "2503.30001", "role": "off-topic"}],
    })


def resolved(review: Review | str, task: Task | None = None, ctx: ScoringContext | None = None) -> ResolvedReview:
    """The review (or a markdown text) resolved against the task (default: `small_task()`) with the context's
    known-paper index (default context: none), as `score_review` resolves it."""
    if isinstance(review, str):
        review = Review(source_format="markdown", text=review)
    return resolve_for_task(review, task or small_task(), (ctx or ScoringContext()).suite.known())


def paraphrase(sentence: str) -> str:
    """The sentence's words in reverse order: the same subject (close in embedding space) but no run of words in
    common with it, so a citing sentence built this way is never `copied` (harness.scorers.copying)."""
    return " ".join(reversed(sentence.rstrip(".").split())).capitalize() + "."
