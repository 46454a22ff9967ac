"""Paid judges in validation: calls through harness.llm's RunClient (cache, retries, rate limits, budget), and a
dry-run cost estimate that calls nothing.

The RunClient lives on an event loop in a background thread; the method, called synchronously as scoring calls
it, submits its batches through RunJudgeCalls, exactly as a run's scoring thread does. Replies are cached in
the runs' SQLite response cache ($HARNESS_CACHE_DIR), so validating again costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from harness.config import Concurrency, Retries
from harness.core.paths import cache_file
from harness.judges.labelsets import LabelSet
from harness.llm.cache import ResponseCache
from harness.llm.calls import RunClient
from harness.llm.client import LiteLLMClient
from harness.llm.judge_calls import RunJudgeCalls
from harness.llm.litellm_api import count_prompt_tokens
from harness.llm.pricing import call_cost, is_priced
from harness.llm.types import LLMRequest, is_local
from harness.scorers.judge_methods import Evidence
from harness.scorers.support_llm import MAX_TOKENS, build_prompt

CHARS_PER_TOKEN = 4  # the estimate's fallback when litellm cannot count a model's tokens


@contextlib.contextmanager
def judge_calls_for(entry: Any, budget_usd: float | None, api_base: str | None = None,
                    client: Any = None) -> Iterator[Any]:
    """JudgeCalls through a RunClient for a method that calls a provider (None for one that does not)."""
    if not entry.calls_provider:
        yield None
        return
    client = client if client is not None else LiteLLMClient(timeout_s=120.0)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="judge-validate-loop", daemon=True)
    thread.start()
    cache = ResponseCache(cache_file(None))
    try:
        run = RunClient(client, cache=cache, concurrency=Concurrency(), retries=Retries(), timeout_s=120.0,
                        budget_usd=budget_usd)
        yield RunJudgeCalls(run, loop, client)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        with contextlib.suppress(Exception):
            cache.close()


def dry_run_estimate(labelset: LabelSet, judge: str, method: str, model: str | None) -> str:
    """The calls a validation of an LLM method would make at most (one per label, recall question) and their USD."""
    if judge != "support" or method != "llm":
        return f"{judge} {method}: no cost estimate for this method (it is not the built-in llm support judge)"
    if not model:
        return "no judge model: pass --model (a litellm model string)"
    prompts = [build_prompt(lab.sentence or "", [_premise(lab)]) for lab in labelset.labels]
    tin = sum(_tokens(model, p) for p in prompts)
    tout = MAX_TOKENS * len(prompts)
    usd, source = call_cost(model, None, tin, tout, local=is_local(model))
    price = f"${usd:.4f}" if source != "unknown" and is_priced(model) else \
        "unknown (the model is not in litellm's price map)"
    return (f"dry run: {len(prompts)} judge calls to {model} (one per label; answers cached), about {tin} input and "
            f"at most {tout} output tokens, estimated {price}; nothing was called")


def _premise(lab) -> str:
    return Evidence(lab.id, lab.title, lab.abstract or lab.evidence or "").premise


def _tokens(model: str, prompt: str) -> int:
    try:
        return count_prompt_tokens(LLMRequest(model=model, stage="judge", max_tokens=8,
                                              messages=[{"role": "user", "content": prompt}]))
    except Exception:  # noqa: BLE001 - an unknown tokenizer: a character-based estimate, said in the docstring
        return len(prompt) // CHARS_PER_TOKEN + 1
