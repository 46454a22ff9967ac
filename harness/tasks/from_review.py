"""A task made from a review itself, for scoring it with no reference survey: its own topic and paper list."""

from __future__ import annotations

from harness.core.errors import HarnessError
from harness.models import Paper, RefRange, ReferenceSurvey, Review, Task


def task_from_review(review: Review, name: str, topic: str | None = None) -> Task:
    """An in-memory task: the review's stated topic (or `topic`), its own papers, no bibliography, no word target.

    Scores that need a bibliography come out not_applicable; the rest are computed against the review's own
    topic, plan and candidate pool (its paper list is what its citations resolve against, titles only: the
    list is the generator's claim, never evidence of existence or of abstracts).
    """
    given = bool(topic)
    topic = (topic or review.topic or review.title or "").strip()
    if not topic:
        raise HarnessError("the review states no topic or title to score it against", path=name,
                           hint="pass --task ID_OR_PATH, or --topic TEXT")
    papers = [p.model_copy(update={"abstract": None}) for p in review.papers]  # the file's abstracts: no evidence
    source = "given" if given else ("review topic" if review.topic else "review title")
    return task_from_papers(papers, name, topic, source)


def task_from_papers(papers: list[Paper], name: str, topic: str, topic_from: str = "given") -> Task:
    """An in-memory task over these papers (first occurrence per id, kept as given), no bibliography, no target."""
    seen: set[str] = set()
    papers = [p for p in papers if not (p.id in seen or seen.add(p.id))]
    task = Task(id=f"own-{name}", topic=topic, target_words=None, target_references=RefRange(min=0),
                reference_survey=ReferenceSurvey(title="(none: the review is scored on its own)"),
                papers=papers, reference_papers=[], pool=[], bibliography="none",
                provenance={"builder": "harness.tasks.from_review", "source": name,
                            "topic_from": topic_from})
    task.content_hash = task.compute_hash()
    return task
