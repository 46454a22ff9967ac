"""Length and truncation: the seed is over length and cut at its 8,192-token cap; synthetic cases for each signal."""

from __future__ import annotations

from harness.models import Review, StageUsage, Usage
from harness.scorers.length import score_length, truncation_signals

from .builders import resolved


def _run(review, task, ctx):
    return {s.name: s for s in score_length(resolved(review, task), task, ctx)}


def test_seed_is_long_and_truncated(seed_scores):
    assert seed_scores["length.words"].value > 5500
    assert seed_scores["length.in_target"].value == 0.0
    assert seed_scores["length.target_ratio"].value > 1.0
    t = seed_scores["length.truncated"]
    assert t.status == "ok" and t.value == 1.0
    fired = " | ".join(t.details["signals"])
    print(fired)
    assert "mid-sentence" in fired and "8192" not in fired  # the cap is reported apart, as evidence-free
    cap = seed_scores["length.at_token_cap"]
    assert cap.value == 1.0 and "8192" in cap.explanation


def test_complete_review_in_target_is_not_truncated(stfm_task, ctx):
    names = ["".join(chr(97 + (i // 26 ** d) % 26) for d in range(3)) for i in range(1000)]
    text = "# Title\n\n" + " ".join(f"Spatio-temporal model {n} forecasts traffic." for n in names)
    r = Review(source_format="markdown", text=text, finish_reason="stop")
    s = _run(r, stfm_task, ctx)
    assert 4500 <= s["length.words"].value <= 5500
    assert s["length.in_target"].value == 1.0
    assert s["length.truncated"].value == 0.0 and "no truncation signal" in s["length.truncated"].explanation


def test_each_truncation_signal_fires_alone():
    done = "A finished sentence."
    assert truncation_signals(Review(source_format="markdown", text=done, finish_reason="length"))[0]
    u = Usage(stages=[StageUsage(name="write", output_tokens=3000, max_tokens=3000)])
    assert truncation_signals(Review(source_format="markdown", text=done, usage=u))[0]
    u = Usage(stages=[StageUsage(name="write", output_tokens=4096)])  # no max recorded: a common cap is no evidence
    assert truncation_signals(Review(source_format="markdown", text=done, usage=u))[0] == []
    u = Usage(stages=[StageUsage(name="write", output_tokens=4000)])
    assert truncation_signals(Review(source_format="markdown", text=done, usage=u))[0] == []
    assert truncation_signals(Review(source_format="markdown", text="It stops in the"))[0]
    assert truncation_signals(Review(source_format="markdown", text=done), ["Conclusion"])[0]


def test_plan_stage_cap_is_reported_but_does_not_count():
    u = Usage(stages=[StageUsage(name="plan", output_tokens=2048, max_tokens=2048),
                      StageUsage(name="review", output_tokens=5000)])
    fired, det = truncation_signals(Review(source_format="markdown", text="Done.", usage=u))
    assert fired == [] and det["plan_stage_signals"]


def test_a_common_cap_without_evidence_is_at_token_cap_not_truncation(stfm_task, ctx):
    """Issue 14.4: a complete review whose output tokens equal 8,192 is at a cap, not truncated."""
    text = "# Title\n\n" + ("Spatio-temporal models forecast traffic well. " * 50)
    u = Usage(stages=[StageUsage(name="review", output_tokens=8192)])
    s = _run(Review(source_format="markdown", text=text, usage=u), stfm_task, ctx)
    assert s["length.truncated"].value == 0.0
    assert s["length.at_token_cap"].value == 1.0 and "8192" in s["length.at_token_cap"].explanation
    set_cap = Usage(stages=[StageUsage(name="review", output_tokens=8192, max_tokens=8192)])
    s = _run(Review(source_format="markdown", text=text, usage=set_cap), stfm_task, ctx)
    assert s["length.truncated"].value == 1.0 and "max_tokens 8192" in s["length.truncated"].explanation


def test_truncation_lists_only_the_checks_that_ran(stfm_task, ctx):
    s = _run(Review(source_format="markdown", text="A finished sentence."), stfm_task, ctx)
    assert s["length.truncated"].details["checked"] == ["last sentence complete"]
    assert s["length.at_token_cap"].status == "not_applicable"
    s = _run(Review(source_format="markdown", text="Done.", finish_reason="stop"), stfm_task, ctx)
    assert s["length.truncated"].details["checked"] == ["finish reason", "last sentence complete"]


def test_empty_review_is_not_applicable(stfm_task, ctx):
    s = _run(Review(source_format="markdown", text=""), stfm_task, ctx)
    assert all(x.status == "not_applicable" for x in s.values())
