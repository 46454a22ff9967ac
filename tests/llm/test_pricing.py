"""One price rule: the client, the dry-run estimate and the manifest agree on every generator's price source."""

from __future__ import annotations

import pytest

from harness.generators.base import GeneratorSpec, Price
from harness.llm.client import LiteLLMClient
from harness.llm.pricing import call_cost, map_cost
from harness.runner.estimate import price_tokens
from harness.runner.manifest import price_source

PRICE = Price(input_per_mtok=1.0, output_per_mtok=3.0)


@pytest.mark.parametrize("model, price, source", [
    ("openai/gpt-4o-mini", PRICE, "litellm"),  # in the map: the map wins, as the README says
    ("openai/gpt-4o-mini", None, "litellm"),
    ("openai/no-such-model-xyz", PRICE, "user-set"),  # missing from the map: the user's price
    ("openai/no-such-model-xyz", None, "unknown"),
    ("local/gemma-3-270m", PRICE, "local"),
])
def test_client_estimate_and_manifest_name_the_same_source(model, price, source):
    spec = GeneratorSpec(name="g", kind="llm", model=model, price=price)
    assert price_source(spec) == source
    local = model.startswith("local/")
    cost, client_source = LiteLLMClient(price=price)._cost(model, model, local, 1_000_000, 1_000_000)
    assert client_source == source
    estimated = price_tokens(spec, 1_000_000, 1_000_000)
    assert estimated == (None if source == "unknown" else pytest.approx(cost))


def test_a_user_price_is_per_million_tokens():
    # 1M input at $1 + 1M output at $3 = $4
    assert call_cost("openai/no-such-model-xyz", PRICE, 1_000_000, 1_000_000) == (4.0, "user-set")
    assert call_cost("openai/gpt-4o-mini", PRICE, 1_000_000, 0)[0] == pytest.approx(
        map_cost("openai/gpt-4o-mini", 1_000_000, 0))


def test_offline_generators_cost_nothing():
    spec = GeneratorSpec(name="x", kind="extractive")
    assert price_source(spec) == "none (offline)" and price_tokens(spec, 10, 10) == 0.0
