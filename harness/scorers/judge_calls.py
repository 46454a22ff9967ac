"""The narrow, synchronous call interface LLM judges use from a scorer, and its plain cached litellm form.

Scorers run in a worker thread. Inside a run, the runner fills ScoringContext.judge_calls with a bridge to its
RunClient (cache, retries, concurrency limits, budget; stage `judge`). Outside a run (`harness score`,
`harness rescore`), PlainJudgeCalls sends the same requests through litellm with replies cached on disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

from harness.core.fileio import atomic_write
from harness.generators.base import LLMRequest, LLMResponse

_NOT_IN_KEY = {"stage", "template", "template_hash"}


@runtime_checkable
class JudgeCalls(Protocol):
    """Answer a batch of judge requests (concurrently where the implementation can) and forget a bad reply."""

    def complete(self, requests: Sequence[LLMRequest]) -> list[LLMResponse | Exception]:
        """One response or the exception that ended that call, in request order."""
        ...

    def discard(self, request: LLMRequest) -> None:
        """Drop a cached reply that was no verdict, so it is asked again next time."""
        ...


def request_key(request: LLMRequest) -> str:
    """sha256 of what determines a reply (model, messages, sampling parameters, api_base)."""
    data = request.model_dump(mode="json", exclude=_NOT_IN_KEY)
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class JudgeCache:
    """JSON files keyed by sha256(namespace + key): the library-level fallback when no response cache is given
    (the CLI, runs and rescore pass the runs' SQLite ResponseCache instead, which `harness cache` manages)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, model: str, prompt: str) -> Path:
        h = hashlib.sha256((model + "\x00" + prompt).encode()).hexdigest()
        return self.root / h[:2] / f"{h}.json"

    def get(self, model: str, prompt: str) -> str | None:
        p = self._path(model, prompt)
        if p.exists():
            try:
                return json.loads(p.read_text())["reply"]
            except (OSError, ValueError, KeyError):
                return None
        return None

    def put(self, model: str, prompt: str, reply: str) -> None:
        atomic_write(self._path(model, prompt), json.dumps({"model": model, "reply": reply}))


class _JsonReplies:
    """Replies as JSON files (JudgeCache), with the ResponseCache get/put/delete shape."""

    def __init__(self, root: Path):
        self.cache = JudgeCache(root)

    def get(self, key: str) -> LLMResponse | None:
        text = self.cache.get("support", key)
        return None if text is None else LLMResponse(text=text, cached=True, cost_usd=0.0)

    def put(self, key: str, request: LLMRequest, response: LLMResponse) -> None:
        if response.text.strip():
            self.cache.put("support", key, response.text)

    def delete(self, key: str) -> None:
        self.cache._path("support", key).unlink(missing_ok=True)


class PlainJudgeCalls:
    """litellm calls (LiteLLMClient) with cached replies; no budget, no retries.

    The cache is JSON files under cache_dir, or a given response cache (the runner's SQLite ResponseCache with
    its cache_key, so rescoring and `harness score` reuse the replies a run stored)."""

    def __init__(self, cache_dir: str | Path | None = None, *, response_cache=None, key=request_key,
                 concurrency: int = 4, timeout_s: float = 120.0):
        self.cache = response_cache if response_cache is not None else _JsonReplies(Path(cache_dir or ".cache/judge"))
        self.key = key
        self.concurrency = max(1, concurrency)
        self.timeout_s = timeout_s
        self.calls = 0  # provider calls made (tests and the benchmark read it)

    def complete(self, requests: Sequence[LLMRequest]) -> list[LLMResponse | Exception]:
        out: list[LLMResponse | Exception | None] = []
        todo: list[int] = []
        for i, r in enumerate(requests):
            hit = self.cache.get(self.key(r))
            out.append(hit)
            if hit is None:
                todo.append(i)
        if todo:
            answers = _run(self._ask([requests[i] for i in todo]))
            for i, a in zip(todo, answers):
                out[i] = a
                if isinstance(a, LLMResponse) and a.text.strip():
                    self.cache.put(self.key(requests[i]), requests[i], a)
        return out  # type: ignore[return-value]

    def discard(self, request: LLMRequest) -> None:
        self.cache.delete(self.key(request))

    async def _ask(self, requests: list[LLMRequest]) -> list[LLMResponse | Exception]:
        from harness.generators.llm import LiteLLMClient

        client = LiteLLMClient(timeout_s=self.timeout_s)
        sem = asyncio.Semaphore(self.concurrency)

        async def one(r: LLMRequest) -> LLMResponse:
            async with sem:
                self.calls += 1
                return await asyncio.wait_for(client.complete(r), timeout=self.timeout_s)

        try:
            return list(await asyncio.gather(*(one(r) for r in requests), return_exceptions=True))
        finally:
            await client.aclose()


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
