"""Judge scores: not_applicable without a model, errors (not crashes) when the model is unreachable, cached replies."""

from __future__ import annotations

import pytest

from harness.models import Review
from harness.scorers import ScoringContext
from harness.core.paths import CACHE_FILE
from harness.llm.cache import ResponseCache, request_key
from harness.llm.judge_calls import PlainJudgeCalls
from harness.llm.types import LLMResponse
from harness.scorers.judge import build_prompt, judge_requests, parse_score, score_judge

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
    calls = PlainJudgeCalls(tmp_path)
    for aspect in ("coverage", "structure", "relevance"):
        (req,) = judge_requests("openai/nobody", build_prompt(aspect, stfm_task.topic, review.text), 1,
                                "http://127.0.0.1:9/v1")
        calls.cache.put(request_key(req), req, LLMResponse(text="Score: 4. Reason: fine."))
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
    ok = [s for s in first if s.status == "ok"]
    # a rating is stored; a reply with none is discarded (asked again next time), as the support judge's
    assert ResponseCache(tmp_path / CACHE_FILE).stats()["entries"] == len(ok)
    again = score_judge(resolved(review, stfm_task), stfm_task, ctx)
    assert [(s.status, s.value) for s in again if s.status == "ok"] == [(s.status, s.value) for s in ok]
    assert all(s.details.get("cached") for s in again if s.name in {o.name for o in ok})


class _Calls:
    """JudgeCalls that answer each request with the next scripted reply and record what was asked."""

    def __init__(self, replies: list[str]):
        self.replies, self.asked, self.discarded = list(replies), [], []

    def complete(self, requests):
        self.asked += list(requests)
        return [LLMResponse(text=self.replies.pop(0), input_tokens=10, output_tokens=5, cost_usd=0.001)
                for _ in requests]

    def discard(self, request) -> None:
        self.discarded.append(request)


def test_repeats_take_the_median_and_report_agreement(stfm_task):
    """Issue 28, item 4: judge_repeats k asks each aspect k times at temperature 0.7 (seeds 0..k-1)."""
    calls = _Calls(["Score: 3.", "Score: 4.", "Score: 4."] * 3)
    ctx = ScoringContext(judge_model="openai/judge-x", judge_calls=calls, judge_repeats=3)
    s = score_judge(resolved("A review.", stfm_task), stfm_task, ctx)
    assert [x.value for x in s] == [4.0, 4.0, 4.0]
    assert s[0].details["ratings"] == [3, 4, 4] and s[0].details["agreement_rate"] == pytest.approx(2 / 3)
    assert len(calls.asked) == 9 and {r.temperature for r in calls.asked} == {0.7}
    assert [r.seed for r in calls.asked[:3]] == [0, 1, 2] and {r.stage for r in calls.asked} == {"judge"}
    assert s[0].details["judge_usage"]["calls"] == 3 and s[0].details["prompt_hash"]


def test_a_judge_of_the_generators_family_is_flagged_and_bad_replies_are_discarded(stfm_task):
    calls = _Calls(["Score: 5.", "no idea", "Score: 2."])
    ctx = ScoringContext(judge_model="openai/gpt-4o-mini", judge_calls=calls, generator_model="openai/gpt-4o")
    s = score_judge(resolved("A review.", stfm_task), stfm_task, ctx)
    assert [x.status for x in s] == ["ok", "error", "ok"]
    assert all(x.details["self_preference"] for x in s) and "SELF-PREFERENCE" in s[0].explanation
    assert len(calls.discarded) == 1 and calls.discarded[0].messages == calls.asked[1].messages
