"""Fixtures for scorer tests: the real seed, real tasks, AutoSurvey outputs, and a scoring context (one model)."""

from __future__ import annotations

import pytest

from harness.models import Review


@pytest.fixture(scope="session")
def ctx():
    from harness.scorers import ScoringContext, ScoringSuite

    return ScoringContext(suite=ScoringSuite.from_env())  # the shipped suite, as `harness score` passes it


@pytest.fixture(scope="session")
def stfm_task():
    from harness.tasks.suite import get_task

    return get_task("stfm-since-2024")


@pytest.fixture(scope="session")
def seed_review(seed_path) -> Review:
    from harness.readers import read_review

    return read_review(seed_path)


@pytest.fixture(scope="session")
def seed_scores(seed_review, stfm_task, ctx):
    from harness.scorers import OFFLINE_FAMILIES, score_review

    return {s.name: s for s in score_review(seed_review, stfm_task, ctx, OFFLINE_FAMILIES)}


AUTOSURVEY = {"rag-llm": "rag-llm-survey", "hallucination-nlg": "llm-hallucination-survey",
              "visual-transformer": "vision-transformers"}


@pytest.fixture(scope="session")
def autosurvey_scores(shared_dir, ctx):
    """Scores of SurGE's real AutoSurvey runs against their tasks: {output name: {score name: Score}}."""
    from harness.readers import read_review
    from harness.scorers import OFFLINE_FAMILIES, score_review
    from harness.tasks.suite import get_task

    out = {}
    for name, task_id in AUTOSURVEY.items():
        review = read_review(shared_dir / "data" / "outputs" / "surge-autosurvey" / f"{name}.json")
        out[name] = {s.name: s for s in score_review(review, get_task(task_id), ctx, OFFLINE_FAMILIES)}
    return out
