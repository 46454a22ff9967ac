"""Judge scores: not_applicable without a model, errors (not crashes) when the model is unreachable, cached replies."""

from __future__ import annotations

import pytest

from harness.models import Review
from harness.scorers import ScoringContext
from harness.scorers.judge import JudgeCache, build_prompt, parse_score, score_judge

from .builders import resolved


def test_without_judge_model_is_not_applicable(stfm_task):
    s = score_judge(resolved("x", stfm_task), stfm_task, ScoringContext())
    assert [x.status for x in s] == ["not_applicable"] * 3
    # issue 14.15: the reason names what a CLI or config user sets, not the Python field
    assert "--judge-model" in s[0].explanation and "scorers.judge_model" in s[0].explanation
    assert "ScoringContext" not in s[0].explanation


def test_unreachable_judge_gives_error_scores(stfm_task, tmp_path):
    ctx = ScoringContext(judge_model="openai/nobody", judge_api_base="http://127.0.0.1:9/v1",
                         judge_cache_dir=tmp_path)
    s = score_judge(resolved("A review.", stfm_task), stfm_task, ctx)
    assert [x.status for x in s] == ["error"] * 3


def test_cached_reply_is_used_without_calling(stfm_task, tmp_path):
    review = Review(source_format="markdown", text="A short review.")
    cache = JudgeCache(tmp_path)
    for aspect in ("coverage", "structure", "relevance"):
        cache.put("openai/nobody", build_prompt(aspect, stfm_task.topic, review.text), "Score: 4. Reason: fine.")
    ctx = ScoringContext(judge_model="openai/nobody", judge_api_base="http://127.0.0.1:9/v1", judge_cache_dir=tmp_path)
    s = score_judge(resolved(review, stfm_task), stfm_task, ctx)
    assert [x.value for x in s] == [4.0, 4.0, 4.0] and all(x.details["cached"] for x in s)


def test_parse_score():
    assert parse_score("Score: 3. Reason: ok") == 3
    assert parse_score("**4**/5 because") == 4
    assert parse_score("5") == 5
    assert parse_score("I cannot rate this.") is None


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_the_local_gemma_judges_through_litellm_and_its_replies_are_cached(stfm_task, tmp_path):
    review = Review(source_format="markdown", text="# STFMs\n\nSpatio-temporal foundation models forecast traffic "
                    "and weather from sensor graphs, and large language models are adapted to them by prompting.")
    ctx = ScoringContext(judge_model="local/gemma-3-270m", judge_cache_dir=tmp_path)
    first = score_judge(resolved(review, stfm_task), stfm_task, ctx)
    assert [s.name for s in first] == ["judge.coverage", "judge.structure", "judge.relevance"]
    for s in first:  # a 270M base model may not follow the rubric: then it is an error with the reply, never a 0
        assert (s.status == "ok" and 1 <= s.value <= 5) or (s.status == "error" and "no 1-5 score" in s.explanation)
    assert len(list(tmp_path.rglob("*.json"))) == 3  # one real reply per aspect, stored
    again = score_judge(resolved(review, stfm_task), stfm_task, ctx)
    assert [(s.status, s.value) for s in again] == [(s.status, s.value) for s in first]
    assert all(s.details.get("cached") for s in again if s.status == "ok")
