"""The scorers' JudgeCalls inside a run: judge requests (the support judge's and the judge family's rubric asks)
from the scoring thread go through the run's RunClient.

Scoring runs in a worker thread while the run's event loop owns the RunClient, so each batch is submitted to
that loop and awaited from the thread: cache, retries, per-model and global concurrency limits and the budget
apply exactly as for generator calls. Judge calls, cache hits, tokens and spend are also counted as stage
`judge` (Counters.judge_*), which the manifest and the report show beside the run totals.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any, Sequence

from harness.generators.base import LLMClient, LLMRequest, LLMResponse
from harness.runner.cache import cache_key
from harness.runner.calls import RunClient


class RunJudgeCalls:
    """Synchronous judge calls bridged onto the run's event loop and RunClient."""

    def __init__(self, run: RunClient, loop: asyncio.AbstractEventLoop, inner: LLMClient):
        self.run, self.loop, self.inner = run, loop, inner
        r = run.retries  # the longest a batch can legitimately take: every attempt timing out, every backoff
        self.wait_s = r.max_attempts * (run.timeout_s + r.max_delay_s) + 60.0

    def complete(self, requests: Sequence[LLMRequest]) -> list[LLMResponse | Exception]:
        """Answer a batch concurrently on the run's loop (must not be called from that loop's thread)."""
        fut = asyncio.run_coroutine_threadsafe(self._all(list(requests)), self.loop)
        try:
            return fut.result(timeout=self.wait_s)
        except concurrent.futures.TimeoutError:  # the loop is stuck or shutting down: never block scoring forever
            fut.cancel()
            return [TimeoutError(f"no judge answer within {self.wait_s:g}s")] * len(requests)

    def discard(self, request: LLMRequest) -> None:
        """Delete a cached reply that was no verdict (the next run asks again)."""
        if self.run.cache is not None:
            self.run.cache.delete(cache_key(request))

    async def _all(self, requests: list[LLMRequest]) -> list[Any]:
        return list(await asyncio.gather(*(self._one(r) for r in requests), return_exceptions=True))

    async def _one(self, request: LLMRequest) -> LLMResponse:
        resp = await self.run.complete(request, None, self.inner)
        if resp.cached:
            self.run._count(judge_cache_hits=1)
        else:
            self.run._count(judge_calls=1, judge_input_tokens=resp.input_tokens or 0,
                            judge_output_tokens=resp.output_tokens or 0, judge_spend_usd=resp.cost_usd or 0.0)
        return resp


def run_judge_calls(config: Any, run: RunClient, loop: asyncio.AbstractEventLoop,
                    client: LLMClient | None) -> RunJudgeCalls | None:
    """The bridge when the run's support method or the judge family calls an LLM judge (None otherwise);
    `client` replaces litellm."""
    from harness.scorers import model_calling

    support = getattr(config.scorers, "support", None)
    rubric = bool(model_calling(config.scorers.families, config.scorers.judge_model))
    if not rubric and (support is None or support.method != "llm"):
        return None
    if client is None:
        from harness.generators.llm import LiteLLMClient

        client = LiteLLMClient(timeout_s=config.execution.timeout_s)
    return RunJudgeCalls(run, loop, client)


def cached_judge_calls(cache_path: Any, timeout_s: float = 120.0):
    """Judge calls outside a run (rescore, harness score) that share the runs' SQLite response cache."""
    from harness.runner.cache import ResponseCache
    from harness.scorers.judge_calls import PlainJudgeCalls

    return PlainJudgeCalls(response_cache=ResponseCache(cache_path), key=cache_key, timeout_s=timeout_s)
