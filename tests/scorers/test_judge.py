"""Judge scores: not_applicable without a model, errors (not crashes) when the model is unreachable, cached replies."""

from __future__ import annotations

from types import SimpleNamespace

from harness.models import Review
from harness.scorers import ScoringContext
from harness.scorers.judge import JudgeCache, build_prompt, parse_score, score_judge


def test_without_judge_model_is_not_applicable(stfm_task):
    s = score_judge(SimpleNamespace(review=Review(source_format="markdown", text="x")), stfm_task, ScoringContext())
    assert [x.status for x in s] == ["not_applicable"] * 3


def test_unreachable_judge_gives_error_scores(stfm_task, tmp_path):
    ctx = ScoringContext(judge_model="openai/nobody", judge_api_base="http://127.0.0.1:9/v1",
                         judge_cache_dir=tmp_path)
    s = score_judge(SimpleNamespace(review=Review(source_format="markdown", text="A review.")), stfm_task, ctx)
    assert [x.status for x in s] == ["error"] * 3


def test_cached_reply_is_used_without_calling(stfm_task, tmp_path):
    review = Review(source_format="markdown", text="A short review.")
    cache = JudgeCache(tmp_path)
    for aspect in ("coverage", "structure", "relevance"):
        cache.put("openai/nobody", build_prompt(aspect, stfm_task.topic, review.text), "Score: 4. Reason: fine.")
    ctx = ScoringContext(judge_model="openai/nobody", judge_api_base="http://127.0.0.1:9/v1", judge_cache_dir=tmp_path)
    s = score_judge(SimpleNamespace(review=review), stfm_task, ctx)
    assert [x.value for x in s] == [4.0, 4.0, 4.0] and all(x.details["cached"] for x in s)


def test_parse_score():
    assert parse_score("Score: 3. Reason: ok") == 3
    assert parse_score("**4**/5 because") == 4
    assert parse_score("5") == 5
    assert parse_score("I cannot rate this.") is None
