"""A task made from a review itself, for scoring it with no reference survey: its own topic and paper list."""

from __future__ import annotations

from harness.errors import HarnessError
from harness.models import RefRange, ReferenceSurvey, Review, Task


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
    papers, seen = [], set()
    for p in review.papers:  # first occurrence per id
        if p.id not in seen:
            seen.add(p.id)
            papers.append(p.model_copy(update={"abstract": None}))  # the file's own abstracts are no evidence
    task = Task(id=f"own-{name}", topic=topic, target_words=None, target_references=RefRange(min=0),
                reference_survey=ReferenceSurvey(title="(none: the review is scored on its own)"),
                papers=papers, reference_papers=[], pool=[], bibliography="none",
                provenance={"builder": "harness.review_task", "source": name,
                            "topic_from": "given" if given else ("review topic" if review.topic else "review title")})
    task.content_hash = task.compute_hash()
    return task
