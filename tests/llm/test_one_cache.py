"""One response cache under one key: what a run's RunClient stored, judge calls outside a run reuse, and back."""

from __future__ import annotations

import asyncio

import pytest

from harness.config import Concurrency, Retries
from harness.core.secrets import redact_text
from harness.llm.cache import ResponseCache
from harness.llm.calls import RunClient
from harness.llm.client import LiteLLMClient, ProviderError
from harness.llm.judge_calls import cached_judge_calls
from harness.llm.types import LLMRequest, LLMResponse


def _run_client(inner, cache: ResponseCache | None, redact=redact_text) -> RunClient:
    return RunClient(inner, cache=cache, concurrency=Concurrency(), retries=Retries(max_attempts=1),
                     timeout_s=5.0, redact=redact)


def _judge_request(srv, claim: str) -> LLMRequest:
    # stage and template differ from a run's ask on purpose: labels are not part of the key
    return LLMRequest(model="openai/judge", stage="judge", messages=[{"role": "user", "content": claim}],
                      max_tokens=8, api_base=srv.api_base, template="support_judge@1", template_hash="abc")


def test_a_reply_a_run_stored_is_a_hit_for_judge_calls_outside_it_and_back(fault_server, tmp_path):
    fault_server.script([], text="SUPPORTED")
    path = tmp_path / "responses.sqlite"
    first = _judge_request(fault_server, "claim one")
    rc = _run_client(LiteLLMClient(timeout_s=30), ResponseCache(path))

    async def ask(req):
        try:
            return await rc.complete(req)
        finally:
            await rc.inner.aclose()

    stored = asyncio.run(ask(first))
    assert not stored.cached and fault_server.count == 1
    outside = cached_judge_calls(path)
    (hit,) = outside.complete([first.model_copy(update={"stage": "rescore", "template": None})])
    assert isinstance(hit, LLMResponse) and hit.cached and hit.text == stored.text
    assert outside.calls == 0 and fault_server.count == 1  # no second provider call

    second = _judge_request(fault_server, "claim two")
    (asked,) = outside.complete([second])
    assert not asked.cached and outside.calls == 1 and fault_server.count == 2
    again = asyncio.run(ask(second))
    assert again.cached and rc.counters.cache_hits == 1 and rc.counters.provider_calls == 1


class _Leaky:
    """A provider client whose error message carries the API key (as some providers' 401 bodies do)."""

    async def complete(self, request: LLMRequest) -> LLMResponse:
        raise ProviderError("auth", "Incorrect API key provided: sk-test-0123456789abcdef")


def test_error_messages_pass_through_the_redact_function_given():
    rc = _run_client(_Leaky(), None, redact=lambda s: s.replace("sk-test-0123456789abcdef", "***"))
    with pytest.raises(ProviderError) as info:
        asyncio.run(rc.complete(LLMRequest(model="openai/m", stage="write", prompt="p", mode="completion")))
    assert "sk-test-0123456789abcdef" not in str(info.value) and "***" in str(info.value)
