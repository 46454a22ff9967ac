"""LiteLLMClient: errors classified for the runner, prices from litellm's map / the user / unknown (never faked)."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from harness.llm.types import LLMRequest, Price
from harness.llm.client import LiteLLMClient, ProviderError, classify
from harness.llm.pricing import map_cost

litellm = pytest.importorskip("litellm")


def _resp(status, headers=None):
    return httpx.Response(status, headers=headers or {}, request=httpx.Request("POST", "http://x/v1"))


def test_litellm_errors_map_to_provider_error_kinds():
    ex = litellm.exceptions
    rl = classify(ex.RateLimitError("slow", llm_provider="openai", model="m",
                                    response=_resp(429, {"retry-after": "7"})))
    assert (rl.kind, rl.status, rl.retry_after, rl.retryable) == ("rate_limit", 429, 7.0, True)
    assert classify(ex.Timeout("t", model="m", llm_provider="openai")).kind == "timeout"
    assert classify(ex.APIConnectionError("c", llm_provider="openai", model="m")).kind == "connection"
    srv = classify(ex.ServiceUnavailableError("down", llm_provider="openai", model="m", response=_resp(503)))
    assert (srv.kind, srv.retryable) == ("server", True)
    auth = classify(ex.AuthenticationError("no key", llm_provider="openai", model="m"))
    assert (auth.kind, auth.retryable) == ("auth", False)
    bad = classify(ex.BadRequestError("bad", model="m", llm_provider="openai"))
    assert (bad.kind, bad.retryable) == ("bad_request", False)


def test_prices_come_from_litellms_bundled_map():
    cost = map_cost("openai/gpt-4o-mini", 1_000_000, 0)
    assert cost is not None and 0 < cost < 10
    assert map_cost("openai/no-such-model-xyz", 1000, 1000) is None


def test_unknown_models_cost_zero_marked_unknown_or_the_user_set_price():
    client = LiteLLMClient()
    assert client._cost("openai/x", "openai/x", False, 1000, 1000) == (0.0, "unknown")
    priced = LiteLLMClient(price=Price(input_per_mtok=1.0, output_per_mtok=3.0))
    cost, source = priced._cost("openai/x", "openai/x", False, 1_000_000, 1_000_000)
    assert (cost, source) == (4.0, "user-set")
    assert client._cost("local/gemma-3-270m", "openai/gemma-3-270m", True, 10, 10) == (0.0, "local")


def test_a_server_that_is_not_there_is_a_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    req = LLMRequest(model="openai/test", stage="write", messages=[{"role": "user", "content": "hi"}],
                     api_base=f"http://127.0.0.1:{port}/v1", max_tokens=5)
    with pytest.raises(ProviderError) as info:
        asyncio.run(LiteLLMClient(timeout_s=10).complete(req))
    assert info.value.kind == "connection" and info.value.retryable
