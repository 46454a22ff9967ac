"""litellm, imported one guarded way, and the few things the harness asks of it besides calls: token counts,
map prices, quiet calls, warming its call path and closing its HTTP sessions.

`_litellm` is private to harness.llm: it sets LITELLM_LOCAL_MODEL_COST_MAP (the bundled price map, no network
at import) and imports litellm before anything imports tiktoken (litellm points tiktoken at its bundled
encodings, so counting tokens never downloads). Everyone else uses the public functions below.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from harness.llm.types import LLMRequest, is_local

TOKENIZER_FOR_LOCAL = "gpt-3.5-turbo"  # a bundled tokenizer for models litellm cannot count (the local server's)


def _litellm() -> Any:
    """Import litellm with the bundled price map (no network at import) and without its help banners."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    # httpx's own transport: litellm's aiohttp one leaks a ClientSession when concurrent calls race to create
    # its cached client ("Unclosed client session" on stderr at garbage collection).
    litellm.disable_aiohttp_transport = True
    return litellm


def map_cost_per_token(model: str, input_tokens: int, output_tokens: int) -> tuple[float, float]:
    """(input USD, output USD) by litellm's bundled price map; raises when the model is not in it."""
    return _litellm().cost_per_token(model=model, prompt_tokens=input_tokens, completion_tokens=output_tokens)


def count_prompt_tokens(request: LLMRequest) -> int:
    """Prompt tokens by litellm's counter (its bundled tokenizers; never a download)."""
    litellm = _litellm()
    model = TOKENIZER_FOR_LOCAL if is_local(request.model) else request.model
    if request.mode == "completion":
        return int(litellm.token_counter(model=model, text=request.prompt or ""))
    return int(litellm.token_counter(model=model, messages=request.messages or []))


def quiet_call() -> Any:
    """Context in which litellm skips its success/failure logging and callbacks for a harness call.

    The harness records usage and cost itself; litellm's logging objects and callback dispatch were the largest
    share of its per-call CPU (see scripts/bench_runner.py). Falls back to a no-op on a litellm without it.
    """
    try:
        from litellm._internal_context import internal_sub_call
    except ImportError:  # pragma: no cover - older or newer litellm
        return contextlib.nullcontext()
    return internal_sub_call()


def warm() -> None:
    """Import litellm and walk its call path once (a mock reply, no network) so no timed call pays for it."""
    ll = _litellm()
    try:
        ll.completion(model="openai/warmup", mock_response="ok", messages=[{"role": "user", "content": "hi"}])
    except Exception:  # noqa: BLE001 - warming is best effort
        pass


async def close_async_clients() -> None:
    """Close litellm's cached HTTP sessions (once at the end of an event loop)."""
    try:
        from litellm.llms.custom_httpx.async_client_cleanup import close_litellm_async_clients
    except ImportError:
        return
    await close_litellm_async_clients()


__all__ = ["close_async_clients", "count_prompt_tokens", "map_cost_per_token", "quiet_call", "warm"]
