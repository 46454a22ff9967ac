"""Cost: recorded cost wins; litellm's bundled map prices known models; local models are free; unknown is n/a."""

from __future__ import annotations

import pytest

from harness.models import Review, StageUsage, Usage
from harness.scorers import ScoringContext
from harness.scorers.cost import is_local_model, score_cost

from .builders import resolved, small_task


def _run(usage):
    r = Review(source_format="markdown", text="x", usage=usage)
    return {s.name: s for s in score_cost(resolved(r), small_task(), ScoringContext())}


def test_seed_cost_and_tokens(seed_scores):
    assert seed_scores["cost.usd"].value == pytest.approx(0.006157)
    assert seed_scores["cost.input_tokens"].value == 23592
    assert seed_scores["cost.output_tokens"].value == 10192
    assert seed_scores["cost.latency_s"].status == "not_applicable"


def test_tokens_without_cost_are_priced_with_litellm_map():
    import litellm

    s = _run(Usage(model="gpt-4o-mini", input_tokens=1000, output_tokens=500))
    info = litellm.model_cost["gpt-4o-mini"]
    expected = 1000 * info["input_cost_per_token"] + 500 * info["output_cost_per_token"]
    assert s["cost.usd"].status == "ok" and s["cost.usd"].value == pytest.approx(expected)
    assert "litellm" in s["cost.usd"].explanation


def test_local_model_costs_zero_and_says_so():
    s = _run(Usage(model="local/gemma-3-270m", input_tokens=10, output_tokens=5, latency_s=1.5))
    assert s["cost.usd"].value == 0.0 and "local" in s["cost.usd"].explanation
    assert s["cost.latency_s"].value == 1.5
    assert is_local_model("openai/x", "http://127.0.0.1:8000/v1")


def test_unknown_model_price_is_not_applicable():
    s = _run(Usage(model="no-such-vendor/model-x", input_tokens=10, output_tokens=5))
    assert s["cost.usd"].status == "not_applicable" and "price unknown" in s["cost.usd"].explanation


def test_stage_sums():
    s = _run(Usage(stages=[StageUsage(name="a", input_tokens=3, output_tokens=4, latency_s=1.0, cost_usd=0.5),
                           StageUsage(name="b", input_tokens=5, output_tokens=6, latency_s=2.0, cost_usd=0.25)]))
    assert s["cost.input_tokens"].value == 8 and s["cost.output_tokens"].value == 10
    assert s["cost.latency_s"].value == 3.0 and s["cost.usd"].value == 0.75


def test_no_usage_is_not_applicable():
    r = Review(source_format="markdown", text="x")
    assert {s.status for s in score_cost(resolved(r), small_task(), ScoringContext())} == {"not_applicable"}


def test_a_zero_recorded_for_an_unpriced_model_is_not_a_price(ctx):
    usage = Usage(model="openai/my-finetune", input_tokens=1000, output_tokens=500, cost_usd=0.0,
                  cost_source="unknown")
    review = Review(source_format="markdown", text="x", usage=usage)
    s = {x.name: x for x in score_cost(resolved(review), small_task(), ctx)}
    assert s["cost.usd"].status == "not_applicable" and "price unknown" in s["cost.usd"].explanation
    assert s["cost.input_tokens"].value == 1000
