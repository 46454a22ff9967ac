"""The narrow, synchronous call interface LLM judges use from a scorer, and its two forms.

Scorers run in a worker thread. Inside a run (and in judge validation), RunJudgeCalls bridges the judges'
requests onto the event loop that owns a RunClient (cache, retries, concurrency limits, budget; counted as stage
`judge`). Outside a run (`harness score`, `harness rescore`, library use), PlainJudgeCalls sends the same requests
through litellm, replies kept in the same SQLite response cache under the same key (harness.llm.cache), so each
path reuses what the other stored.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from pathlib import Path
from typing import Any, Protocol, Sequence, runtime_checkable

from harness.core.paths import CACHE_FILE
from harness.llm.cache import ResponseCache, request_key
from harness.llm.calls import RunClient, within
from harness.llm.client import LiteLLMClient
from harness.llm.types import LLMClient, LLMRequest, LLMResponse


@runtime_checkable
class JudgeCalls(Protocol):
    """Answer a batch of judge requests (concurrently where the implementation can) and forget a bad reply."""

    def complete(self, requests: Sequence[LLMRequest]) -> list[LLMResponse | Exception]:
        """One response or the exception that ended that call, in request order."""
        ...

    def discard(self, request: LLMRequest) -> None:
        """Drop a cached reply that was no verdict, so it is asked again next time."""
        ...


class PlainJudgeCalls:
    """litellm calls (LiteLLMClient) with replies in the response cache; no budget, no retries.

    The cache is the given ResponseCache (the runs' file: `harness score` and rescoring reuse what a run stored),
    else the cache file inside cache_dir (default .cache/judge)."""

    def __init__(self, cache_dir: str | Path | None = None, *, response_cache: ResponseCache | None = None,
                 concurrency: int = 4, timeout_s: float = 120.0):
        self.cache = response_cache if response_cache is not None else \
            ResponseCache(Path(cache_dir or Path(".cache") / "judge") / CACHE_FILE)
        self.concurrency = max(1, concurrency)
        self.timeout_s = timeout_s
        self.calls = 0  # provider calls made (tests and the benchmark read it)

    def complete(self, requests: Sequence[LLMRequest]) -> list[LLMResponse | Exception]:
        """Cached replies, and the others asked concurrently (their good replies stored)."""
        out: list[LLMResponse | Exception | None] = []
        todo: list[int] = []
        for i, r in enumerate(requests):
            hit = self.cache.get(request_key(r))
            out.append(hit)
            if hit is None:
                todo.append(i)
        if todo:
            answers = _run(self._ask([requests[i] for i in todo]))
            for i, a in zip(todo, answers):
                out[i] = a
                if isinstance(a, LLMResponse):
                    self.cache.put(request_key(requests[i]), requests[i], a)  # an empty reply is not kept
        return out  # type: ignore[return-value]

    def discard(self, request: LLMRequest) -> None:
        """Forget a cached reply that was no verdict."""
        self.cache.delete(request_key(request))

    async def _ask(self, requests: list[LLMRequest]) -> list[LLMResponse | Exception]:
        client = LiteLLMClient(timeout_s=self.timeout_s)
        sem = asyncio.Semaphore(self.concurrency)

        async def one(r: LLMRequest) -> LLMResponse:
            async with sem:
                self.calls += 1
                return await within(client.complete(r), self.timeout_s)

        try:
            return list(await asyncio.gather(*(one(r) for r in requests), return_exceptions=True))
        finally:
            await client.aclose()


def cached_judge_calls(cache_path: str | Path, timeout_s: float = 120.0) -> PlainJudgeCalls:
    """Judge calls outside a run (rescore, harness score) that share the runs' SQLite response cache file."""
    return PlainJudgeCalls(response_cache=ResponseCache(cache_path), timeout_s=timeout_s)


class RunJudgeCalls:
    """Synchronous judge calls bridged onto a RunClient's event loop (from the scoring thread, never that loop's).

    Each batch is submitted to the loop and awaited from the thread: cache, retries, per-model and global
    concurrency limits and the budget apply exactly as for generator calls. Judge calls, cache hits, tokens and
    spend are also counted as stage `judge` (Counters.judge_*), which the manifest and the report show."""

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
            self.run.cache.delete(request_key(request))

    async def _all(self, requests: list[LLMRequest]) -> list[Any]:
        return list(await asyncio.gather(*(self._one(r) for r in requests), return_exceptions=True))

    async def _one(self, request: LLMRequest) -> LLMResponse:
        resp = await self.run.complete(request, None, self.inner)
        self.run.count_judge(resp)
        return resp


def _run(coro):
    """asyncio.run, or on a private thread when the caller already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict = {}
    t = threading.Thread(target=lambda: box.setdefault("r", asyncio.run(coro)))
    t.start()
    t.join()
    return box["r"]


__all__ = ["JudgeCalls", "PlainJudgeCalls", "RunJudgeCalls", "cached_judge_calls"]
