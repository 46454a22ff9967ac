"""RunClient: retries (honouring Retry-After), timeouts, budget stop, per-model limits, cache; faults injected."""

from __future__ import annotations

import asyncio

import pytest

from harness.config import Concurrency, Retries
from harness.generators.base import LLMRequest, LLMResponse
from harness.generators.llm import ProviderError
from harness.runner.cache import ResponseCache
from harness.runner.calls import BudgetExceeded, RunClient, classify, parse_retry_after


class Scripted:
    """Fails with the scripted exceptions first, then answers; counts calls and peak concurrency."""

    def __init__(self, *faults, delay: float = 0.0, cost: float | None = 0.5):
        self.faults = list(faults)
        self.delay, self.cost = delay, cost
        self.calls = self.active = self.peak = 0

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.calls += 1
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await asyncio.sleep(self.delay)
            if self.faults:
                fault = self.faults.pop(0)
                if fault == "hang":
                    await asyncio.sleep(60)
                raise fault
            return LLMResponse(text=f"answer to {request.prompt}", cost_usd=self.cost, input_tokens=1,
                               output_tokens=1)
        finally:
            self.active -= 1


def _client(inner, tmp_path=None, **kw) -> RunClient:
    cache = ResponseCache(tmp_path / "c.sqlite") if tmp_path is not None else None
    opts = dict(concurrency=Concurrency(), retries=Retries(max_attempts=3, base_delay_s=0.001, max_delay_s=2),
                timeout_s=5.0)
    opts.update(kw)
    return RunClient(inner, cache=cache, **opts)


def _req(i: int = 0, model: str = "openai/m") -> LLMRequest:
    return LLMRequest(model=model, stage="write", mode="completion", prompt=f"p{i}", max_tokens=10)


def test_retries_rate_limit_honouring_retry_after():
    inner = Scripted(ProviderError("rate_limit", "slow down", status=429, retry_after=0.2),
                     ProviderError("server", "boom", status=503))
    rc = _client(inner)
    cell = rc.for_cell()
    resp = asyncio.run(cell.complete(_req()))
    assert resp.text == "answer to p0" and inner.calls == 3
    assert rc.counters.retries == 2 and rc.counters.provider_calls == 3 and rc.counters.errors == 0
    (outcome,) = cell.outcomes
    assert outcome.attempts == 3 and outcome.retry_waits[0] >= 0.2  # waited at least Retry-After


def test_non_retryable_fails_at_once_and_retryable_gives_up():
    rc = _client(Scripted(ProviderError("auth", "bad key", status=401)))
    with pytest.raises(ProviderError) as info:
        asyncio.run(rc.complete(_req()))
    assert info.value.attempts == 1 and "not retryable" in str(info.value) and rc.counters.errors == 1

    errs = [ProviderError("server", "down", status=500) for _ in range(5)]
    rc = _client(Scripted(*errs))
    with pytest.raises(ProviderError) as info:
        asyncio.run(rc.complete(_req()))
    assert info.value.attempts == 3 and info.value.kind == "server" and "gave up after 3" in str(info.value)
    assert rc.counters.retries == 2


def test_retry_after_longer_than_max_delay_is_not_waited_out():
    rc = _client(Scripted(ProviderError("rate_limit", "later", status=429, retry_after=3600)))
    with pytest.raises(ProviderError, match="exceeds retries.max_delay_s"):
        asyncio.run(rc.complete(_req()))


def test_timeout_is_retried_then_reported():
    rc = _client(Scripted("hang", "hang", "hang"), timeout_s=0.05)
    with pytest.raises(ProviderError) as info:
        asyncio.run(rc.complete(_req()))
    assert info.value.kind == "timeout" and "timeout_s=0.05" in str(info.value) and info.value.attempts == 3


def test_errors_are_never_cached_and_successes_are(tmp_path):
    inner = Scripted(ProviderError("bad_request", "no", status=400))
    rc = _client(inner, tmp_path)
    with pytest.raises(ProviderError):
        asyncio.run(rc.complete(_req()))
    assert rc.cache.stats()["entries"] == 0
    first = asyncio.run(rc.complete(_req()))
    again = asyncio.run(rc.complete(_req()))
    assert not first.cached and again.cached and again.text == first.text
    assert inner.calls == 2 and rc.counters.cache_hits == 1 and rc.counters.spend_usd == 0.5


def test_budget_stops_new_calls():
    inner = Scripted(cost=0.4)
    rc = _client(inner, budget_usd=1.0)

    async def go():
        out = []
        for i in range(5):
            try:
                out.append(await rc.complete(_req(i)))
            except BudgetExceeded as exc:
                out.append(exc)
        return out

    out = asyncio.run(go())
    assert [isinstance(o, BudgetExceeded) for o in out] == [False, False, False, True, True]
    assert inner.calls == 3 and rc.budget_hit and "budget_usd" in str(out[-1])


def test_budget_counts_spend_of_earlier_sessions_and_usage_is_reported_as_it_happens():
    inner = Scripted(ProviderError("server", "down", status=500), cost=0.4)
    seen = []
    rc = _client(inner, budget_usd=1.0, prior_spend_usd=0.7, on_usage=seen.append)

    async def go():
        first = await rc.complete(_req(0))
        with pytest.raises(BudgetExceeded, match=r"spent \$1\.1"):
            await rc.complete(_req(1))
        return first

    asyncio.run(go())
    assert rc.run_spend_usd == pytest.approx(1.1) and rc.counters.spend_usd == pytest.approx(0.4)
    assert seen == [{"provider_calls": 1}, {"retries": 1}, {"provider_calls": 1}, {"spend_usd": 0.4}]


def test_a_reply_that_is_not_json_is_a_retryable_bad_response():
    import json

    from harness.generators.llm import classify as provider_kind

    try:
        try:
            json.loads('{"choices": [{"mess')
        except json.JSONDecodeError as exc:
            raise RuntimeError("InternalServerError: OpenAIException - Unterminated string") from exc
    except RuntimeError as exc:
        err = provider_kind(exc, "openai/m")
    assert err.kind == "bad_response" and err.retryable and err.status is None


def test_per_model_and_global_concurrency_limits():
    inner = Scripted(delay=0.02)
    rc = _client(inner, concurrency=Concurrency(**{"global": 4, "per_model": {"openai/slow": 2}}))

    async def go():
        await asyncio.gather(*(rc.complete(_req(i, "openai/slow")) for i in range(8)))
        slow_peak = inner.peak
        inner.peak = 0
        await asyncio.gather(*(rc.complete(_req(i, "openai/fast")) for i in range(12)))
        return slow_peak, inner.peak

    slow_peak, fast_peak = asyncio.run(go())
    assert slow_peak == 2 and fast_peak == 4


def test_classification_of_foreign_errors():
    class Resp:
        status_code = 429
        headers = {"retry-after": "7"}

    class RateLimitError(Exception):
        response = Resp()

    assert classify(RateLimitError("x")) == (True, 7.0, "RateLimitError (HTTP 429)")
    assert classify(ValueError("x"))[0] is False
    assert classify(ConnectionResetError())[0] is True
    assert parse_retry_after("2.5") == 2.5 and parse_retry_after("soon") is None
