"""Prices: one rule for what a call costs and where its price comes from (local, litellm's map, user-set, unknown).

A model in litellm's bundled map is priced by the map; the config's `price:` prices models missing from it; a
model in neither costs 0, marked unknown, never a made-up price. The client, the dry-run estimate and the manifest
all ask this module, so they cannot disagree.
"""

from __future__ import annotations

import functools

from harness.llm.litellm_api import map_cost_per_token
from harness.llm.types import LOCAL_PREFIX, Price, is_local


def price_cost(price: Price, input_tokens: int | None, output_tokens: int | None) -> float:
    """USD cost from a user-set per-million-token price."""
    return ((input_tokens or 0) * price.input_per_mtok + (output_tokens or 0) * price.output_per_mtok) / 1e6


@functools.lru_cache(maxsize=256)
def in_price_map(model: str) -> bool:
    """Whether litellm's bundled price map prices the model (looked up once per model and process, not per call)."""
    try:
        map_cost_per_token(model, 1, 1)
    except Exception:  # noqa: BLE001 - litellm raises a bare Exception for unmapped models
        return False
    return True


def map_cost(model: str, input_tokens: int | None, output_tokens: int | None) -> float | None:
    """USD cost from litellm's bundled price map, or None when the model is not in it."""
    if not in_price_map(model):
        return None
    try:
        cin, cout = map_cost_per_token(model, input_tokens or 0, output_tokens or 0)
    except Exception:  # noqa: BLE001
        return None
    return float(cin) + float(cout)


def call_cost(model: str, price: Price | None, input_tokens: int | None, output_tokens: int | None, *,
              local: bool = False, computed: float | None = None) -> tuple[float, str]:
    """(USD, source) of one call; computed is the cost litellm already put on the reply (saves a map walk)."""
    if local:
        return 0.0, "local"
    if in_price_map(model):
        cost = computed if computed is not None else map_cost(model, input_tokens, output_tokens)
        if cost is not None:
            return cost, "litellm"
    if price is not None:
        return price_cost(price, input_tokens, output_tokens), "user-set"
    return 0.0, "unknown"


def is_priced(model: str, price: Price | None = None) -> bool:
    """Whether a call of the model has a known price: local (free), in litellm's map, or user-set."""
    return is_local(model) or price is not None or in_price_map(model)


def price_source(model: str | None, price: Price | None, calls_provider: bool = True) -> str:
    """Where a generator's prices come from, by the same rule as call_cost."""
    if not calls_provider:
        return "none (offline)"
    model = model or ""
    if is_local(model):
        return "local"
    if in_price_map(model):
        return "litellm"
    return "user-set" if price is not None else "unknown"


__all__ = ["LOCAL_PREFIX", "call_cost", "in_price_map", "is_priced", "map_cost", "price_cost", "price_source"]
