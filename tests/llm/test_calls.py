"""RunClient: retries (honouring Retry-After), timeouts, budget stop, per-model limits, cache; real litellm calls the
fake provider, which injects the faults."""

from __future__ import annotations

import asyncio

import pytest

from harness.config import Concurrency, Retries
from harness.llm.client import LiteLLMClient, ProviderError
from harness.llm.cache import ResponseCache
from harness.llm import calls
from harness.llm.calls import BudgetExceeded, RunClient, classify, parse_retry_after
from harness.llm.types import LLMRequest, Price

REPLY = "x" * 40  # 10 completion tokens as the fake provider counts them (4 characters a token)
PRICE_04 = Price(input_per_mtok=0.0, output_per_mtok=40_000.0)  # 10 tokens x 40,000 USD / 1e6 = 0.4 USD a call


def _client(srv, tmp_path=None, price: Price | None = None, **kw) -> RunClient:
    cache = ResponseCache(tmp_path / "c.sqlite") if tmp_path is not None else None
    opts = dict(concurrency=Concurrency(), retries=Retries(max_attempts=3, base_delay_s=0.001, max_delay_s=2),
                timeout_s=5.0,)
    opts.update(kw)
    return RunClient(LiteLLMClient(price=price, timeout_s=30), cache=cache, **opts)


def _req(srv, i: int = 0, model: str = "openai/m") -> LLMRequest:
    return LLMRequest(model=model, stage="write", mode="completion", prompt=f"p{i}", max_tokens=10,
                      api_base=srv.api_base)


def _run(rc: RunClient, coro):
    """Run coro in a fresh event loop, closing litellm's HTTP clients before the loop ends."""
    async def go():
        try:
            return await coro
        finally:
            await rc.inner.aclose()

    return asyncio.run(go())


def test_retries_rate_limit_honouring_retry_after(fault_server):
    fault_server.script(["429", "503"], retry_after=0.2, text="answer to p0")
    rc = _client(fault_server)
    cell = rc.for_cell()
    resp = _run(rc, cell.complete(_req(fault_server)))
    assert resp.text == "answer to p0" and fault_server.count == 3
    assert rc.counters.retries == 2 and rc.counters.provider_calls == 3 and rc.counters.errors == 0
    (outcome,) = cell.outcomes
    assert outcome.attempts == 3 and outcome.retry_waits[0] >= 0.2  # waited at least Retry-After


def test_non_retryable_fails_at_once_and_retryable_gives_up(fault_server):
    fault_server.script(["auth"])
    rc = _client(fault_server)
    with pytest.raises(ProviderError) as info:
        _run(rc, rc.complete(_req(fault_server)))
    assert info.value.attempts == 1 and "not retryable" in str(info.value) and rc.counters.errors == 1

    fault_server.reset()
    fault_server.script(["500"] * 5)
    rc = _client(fault_server)
    with pytest.raises(ProviderError) as info:
        _run(rc, rc.complete(_req(fault_server)))
    assert info.value.attempts == 3 and info.value.kind == "server" and "gave up after 3" in str(info.value)
    assert rc.counters.retries == 2


def test_retry_after_longer_than_max_delay_is_not_waited_out(fault_server):
    fault_server.script(["429"], retry_after=3600)
    rc = _client(fault_server)
    with pytest.raises(ProviderError, match="exceeds retries.max_delay_s"):
        _run(rc, rc.complete(_req(fault_server)))


def test_timeout_is_retried_then_reported(fault_server):
    fault_server.script(["hang", "hang", "hang"])
    rc = _client(fault_server, timeout_s=0.05)
    with pytest.raises(ProviderError) as info:
        _run(rc, rc.complete(_req(fault_server)))
    assert info.value.kind == "timeout" and "timeout_s=0.05" in str(info.value) and info.value.attempts == 3


def test_errors_are_never_cached_and_successes_are(fault_server, tmp_path):
    fault_server.script(["400"], text=REPLY)
    rc = _client(fault_server, tmp_path, price=PRICE_04)
    with pytest.raises(ProviderError):
        _run(rc, rc.complete(_req(fault_server)))
    assert rc.cache.stats()["entries"] == 0
    first = _run(rc, rc.complete(_req(fault_server)))
    again = _run(rc, rc.complete(_req(fault_server)))
    assert not first.cached and again.cached and again.text == first.text
    assert fault_server.count == 2 and rc.counters.cache_hits == 1 and rc.counters.spend_usd == 0.4


def test_budget_stops_new_calls(fault_server):
    fault_server.script([], text=REPLY)
    rc = _client(fault_server, price=PRICE_04, budget_usd=1.0)

    async def go():
        out = []
        for i in range(5):
            try:
                out.append(await rc.complete(_req(fault_server, i)))
            except BudgetExceeded as exc:
                out.append(exc)
        return out

    out = _run(rc, go())
    # $0.40 calls (max_tokens 10 at $40,000/Mtok) under $1.00: a third would make $1.20, so it never starts
    assert [isinstance(o, BudgetExceeded) for o in out] == [False, False, True, True, True]
    assert fault_server.count == 2 and rc.budget_hit and "budget_usd" in str(out[-1])
    assert rc.run_spend_usd <= 1.0


def test_budget_is_a_ceiling_counting_calls_in_flight(fault_server):
    """Issue 28, item 3: $100 worst-case calls under budget_usd 250, five started at once: two run, spend <= 250."""
    fault_server.script([], text=REPLY)
    fault_server.latency_s = 0.3
    rc = _client(fault_server, price=Price(input_per_mtok=0.0, output_per_mtok=1e7), budget_usd=250.0,
                 concurrency=Concurrency(**{"global": 8}))

    async def go():
        return await asyncio.gather(*(rc.complete(_req(fault_server, i)) for i in range(5)), return_exceptions=True)

    out = _run(rc, go())
    assert sum(not isinstance(o, BaseException) for o in out) == 2 and fault_server.count == 2
    assert all(isinstance(o, BudgetExceeded) for o in out if isinstance(o, BaseException))
    assert rc.run_spend_usd == pytest.approx(200.0) and rc.run_spend_usd <= 250.0


def test_an_unpriced_model_under_a_budget_is_refused_unless_allowed(fault_server):
    fault_server.script([], text=REPLY)
    rc = _client(fault_server, budget_usd=0.0001)
    with pytest.raises(BudgetExceeded, match="no known price"):
        _run(rc, rc.complete(_req(fault_server)))
    assert fault_server.count == 0
    allowed = _client(fault_server, budget_usd=0.0001, allow_unpriced=True)
    _run(allowed, allowed.complete(_req(fault_server)))
    assert fault_server.count == 1 and allowed.counters.unpriced_calls == 1


def test_budget_counts_spend_of_earlier_sessions_and_usage_is_reported_as_it_happens(fault_server):
    fault_server.script(["500"], text=REPLY)
    seen = []
    rc = _client(fault_server, price=PRICE_04, budget_usd=1.0, prior_spend_usd=0.5, on_usage=seen.append)

    async def go():
        first = await rc.complete(_req(fault_server, 0))
        with pytest.raises(BudgetExceeded, match=r"spent \$0\.90"):
            await rc.complete(_req(fault_server, 1))
        return first

    _run(rc, go())
    assert rc.run_spend_usd == pytest.approx(0.9) and rc.counters.spend_usd == pytest.approx(0.4)
    assert seen == [{"provider_calls": 1}, {"retries": 1}, {"provider_calls": 1}, {"spend_usd": 0.4}]


def test_a_reply_that_is_not_json_is_a_retryable_bad_response():
    import json

    from harness.llm.client import classify as provider_kind

    try:
        try:
            json.loads('{"choices": [{"mess')
        except json.JSONDecodeError as exc:
            raise RuntimeError("InternalServerError: OpenAIException - Unterminated string") from exc
    except RuntimeError as exc:
        err = provider_kind(exc, "openai/m")
    assert err.kind == "bad_response" and err.retryable and err.status is None


def test_per_model_and_global_concurrency_limits(fault_server):
    fault_server.latency_s = 0.3  # long enough that every permitted call is in flight at once
    rc = _client(fault_server, concurrency=Concurrency(**{"global": 4, "per_model": {"openai/slow": 2}}))

    async def go():
        await asyncio.gather(*(rc.complete(_req(fault_server, i, "openai/slow")) for i in range(8)))
        slow_peak = fault_server.peak
        fault_server.peak = 0
        await asyncio.gather(*(rc.complete(_req(fault_server, i, "openai/fast")) for i in range(12)))
        return slow_peak, fault_server.peak

    slow_peak, fast_peak = _run(rc, go())
    assert slow_peak == 2 and fast_peak == 4  # as the provider saw them


def test_a_call_prepared_in_a_worker_thread_is_sent_before_the_finished_reply_is_stored(fault_server, tmp_path,
                                                                                         monkeypatch):
    monkeypatch.setattr(calls, "HAND_OFF_S", 0.2)  # wide, so a slow thread start cannot flake the order
    events: list[str] = []

    class ThreadPrepared(LiteLLMClient):  # as litellm does: the request is built in a worker thread, then sent
        async def complete(self, request):
            await asyncio.to_thread(events.append, f"send {request.prompt}")
            return await super().complete(request)

    class Storing(ResponseCache):
        def put(self, key, request, response):
            events.append(f"store {request.prompt}")
            return super().put(key, request, response)

    rc = RunClient(ThreadPrepared(timeout_s=30), cache=Storing(tmp_path / "c.sqlite"),
                   concurrency=Concurrency(**{"global": 1}), retries=Retries(max_attempts=1), timeout_s=5.0)

    async def go():
        await asyncio.gather(*(rc.complete(_req(fault_server, i)) for i in range(3)))

    _run(rc, go())  # the provider's one slot never waits on the harness's bookkeeping of the call before
    assert sorted(events) == ["send p0", "send p1", "send p2", "store p0", "store p1", "store p2"]
    assert all(events.index(f"send p{i + 1}") < events.index(f"store p{i}") for i in range(2))


def test_a_reply_hands_off_only_to_calls_its_freed_slot_can_serve(fault_server, monkeypatch):
    monkeypatch.setattr(calls, "HAND_OFF_S", 3.0)  # far longer than the calls, so a hand-off shows in the order
    rc = _client(fault_server, concurrency=Concurrency(**{"global": 8, "per_model": {"openai/b": 1}}))
    done: list[str] = []

    async def one(name, model, i):
        await rc.complete(_req(fault_server, i, model))
        done.append(name)

    async def go():
        fault_server.latency_s = 1.0  # b1 is answered after 1 s; b2 waits for b's one slot meanwhile
        b = [asyncio.create_task(one(f"b{i}", "openai/b", i)) for i in (1, 2)]
        while fault_server.count < 1:
            await asyncio.sleep(0.01)
        fault_server.latency_s = 0.1  # a is answered while b2 waits: a's freed slot is no use to b2
        await asyncio.gather(one("a", "openai/a", 0), *b)

    _run(rc, go())
    assert done == ["a", "b2", "b1"]  # a returned at once; b1 handed its slot to b2 (3 s) before returning


def test_a_local_server_gets_as_many_calls_in_flight_as_it_has_slots_unless_per_model_says(fault_server):
    fault_server.latency_s = 0.3
    rc = _client(fault_server, concurrency=Concurrency(**{"global": 8, "per_model": {"openai/set": 1}}))
    rc.follow_slots("openai/local", 3)  # a server decoding 3 sequences at once
    rc.follow_slots("openai/set", 3)  # the user's per_model limit stands

    async def go():
        peaks = []
        for model in ("openai/local", "openai/set"):
            fault_server.peak = 0
            await asyncio.gather(*(rc.complete(_req(fault_server, i, model)) for i in range(8)))
            peaks.append(fault_server.peak)
        return peaks

    assert _run(rc, go()) == [3, 1]


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
