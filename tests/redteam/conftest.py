"""Fixtures for the red-team tests: the shipped task the attacks target (T = rag-llm-survey) and a scorer."""

from __future__ import annotations

import pytest

from harness.models import Review, Score, Task


@pytest.fixture(scope="session")
def task() -> Task:
    from harness.tasks.suite import get_task

    return get_task("rag-llm-survey")


@pytest.fixture(scope="session")
def score():
    """score(markdown or Review, task, families=None) -> {score name: Score}, offline families only."""
    from harness.readers import parse_text
    from harness.scorers import OFFLINE_FAMILIES, ScoringContext, ScoringSuite, score_review

    ctx = ScoringContext(suite=ScoringSuite.from_env())  # the shipped suite, as `harness score` passes it

    def run(review: str | Review, task: Task, families: list[str] | None = None) -> dict[str, Score]:
        if isinstance(review, str):
            review = parse_text(review, format="markdown")
        return {s.name: s for s in score_review(review, task, ctx, families or list(OFFLINE_FAMILIES))}

    return run


def refs(papers, ids: bool = True) -> str:
    """A '[n] Title. arXiv:<id>' reference list."""
    return "\n".join(f"[{n}] {p.title}." + (f" arXiv:{p.arxiv_id}" if ids and p.arxiv_id else "")
                     for n, p in enumerate(papers, 1))
