"""The harness's litellm calls: litellm's logging and callbacks off, the price map read once per model."""

from __future__ import annotations

import asyncio

import pytest

from harness.llm.types import LLMRequest
from harness.llm.client import LiteLLMClient
from harness.llm.pricing import in_price_map, map_cost


def _request(server, model="openai/fake"):
    return LLMRequest(model=model, stage="t", messages=[{"role": "user", "content": "[1] A paper\nWrite."}],
                      max_tokens=50, api_base=server.api_base)


async def _complete_and_settle(client, request):
    resp = await client.complete(request)
    await asyncio.sleep(0.3)  # litellm's success logging runs as a task after the reply
    await client.aclose()
    return resp


def test_litellm_callbacks_do_not_run_for_harness_calls(fault_server, monkeypatch):
    import litellm
    from litellm.integrations.custom_logger import CustomLogger

    seen = []

    class Spy(CustomLogger):
        async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
            seen.append("async")

        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            seen.append("sync")

    monkeypatch.setattr(litellm, "callbacks", [Spy()])
    asyncio.run(_complete_and_settle(LiteLLMClient(), _request(fault_server)))
    assert seen == []
    asyncio.run(_complete_and_settle(LiteLLMClient(quiet=False), _request(fault_server)))  # the spy can see calls
    assert seen


def test_cost_uses_litellms_own_figure_and_one_price_lookup_per_model(fault_server, monkeypatch):
    import litellm

    resp = asyncio.run(_complete_and_settle(LiteLLMClient(), _request(fault_server, "openai/gpt-4o-mini")))
    assert resp.cost_source == "litellm"
    assert resp.cost_usd == pytest.approx(map_cost("openai/gpt-4o-mini", resp.input_tokens, resp.output_tokens))
    unknown = asyncio.run(_complete_and_settle(LiteLLMClient(), _request(fault_server, "openai/no-such-model-xyz")))
    assert unknown.cost_source == "unknown" and unknown.cost_usd == 0.0

    lookups = []
    real = litellm.cost_per_token
    monkeypatch.setattr(litellm, "cost_per_token", lambda **kw: lookups.append(kw["model"]) or real(**kw))
    in_price_map.cache_clear()
    client = LiteLLMClient()

    async def three():
        for _ in range(3):
            await client.complete(_request(fault_server, "openai/gpt-4o-mini"))
        await client.aclose()

    asyncio.run(three())
    assert lookups.count("openai/gpt-4o-mini") == 1  # harness-side lookups: once for the model, not per call
