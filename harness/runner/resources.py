"""What a session's pending cells need, opened once and closed at the end: the response cache and run client,
whole-cell cache hits, generators, provider clients, the judge bridge and the scorers' contexts."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Callable

import harness.generators as generators
from harness.cells import Cell
from harness.config import ExperimentConfig
from harness.generators import calls_provider
from harness.generators.base import GeneratorSpec
from harness.llm import litellm_api, local_server
from harness.llm.cache import ResponseCache
from harness.llm.calls import Counters, RunClient
from harness.llm.client import LiteLLMClient
from harness.llm.judge_calls import RunJudgeCalls
from harness.llm.types import LOCAL_MODEL, LLMClient
from harness.runner.cell_cache import cell_reuse
from harness.runner.scoring import scoring_context
from harness.scorers import model_calling

log = logging.getLogger("harness.runner")

__all__ = ["CellResources", "local_decoding_cores", "run_judge_calls"]


class CellResources:
    """The parts the cell runner uses, set up for the cells a session has left (`prepare`), closed by `close`.

    client replaces every generator's provider client (tests inject faults with it); generator_factory replaces
    harness.generators.build_generator; context replaces every scoring context. Whatever `prepare` opened before
    failing is still closed by `close`.
    """

    def __init__(self, config: ExperimentConfig, *, client: LLMClient | None = None,
                 generator_factory: Callable[[GeneratorSpec], Any] | None = None, context: Any = None):
        self.config = config
        self.specs: dict[str, GeneratorSpec] = {g.name: g for g in config.generators}
        self.client, self.generator_factory, self.context = client, generator_factory, context
        self.cache: Any = None
        self.run_client: RunClient | None = None
        self.reuse: Any = None
        self.hits: dict[Cell, Any] = {}
        self.generators: dict[str, Any] = {}
        self.inners: dict[str, LLMClient | None] = {}
        self.contexts: dict[str, Any] = {}
        self.judge_inner: LLMClient | None = None

    @property
    def counters(self) -> dict[str, Any]:
        return (self.run_client.counters if self.run_client is not None else Counters()).as_dict()

    async def prepare(self, pending: list[Cell], tasks: dict[str, Any], prior_spend_usd: float,
                      on_usage: Callable[[dict[str, Any]], None]) -> None:
        """Open the cache and run client, look up whole cells, build what the other cells need, start providers."""
        config, ex = self.config, self.config.execution
        if ex.cache:  # stored unscored cells may call the judge too: its replies are cached like any other
            self.cache = ResponseCache(config.cache_path())
        self.run_client = RunClient(self.client, cache=self.cache, concurrency=ex.concurrency, retries=ex.retries,
                                    timeout_s=ex.timeout_s, budget_usd=ex.budget_usd,
                                    prior_spend_usd=prior_spend_usd, on_usage=on_usage,
                                    allow_unpriced=ex.allow_unpriced)
        # whole cells from the cache: no generator, no model
        self.reuse = cell_reuse(self.cache, enabled=self.client is None and self.generator_factory is None)
        self.hits = self.reuse.lookup_all(pending, self.specs, tasks) if self.reuse is not None else {}
        names = {c.generator for c in pending if c not in self.hits}
        server = asyncio.ensure_future(self._start_local_server(names))
        await asyncio.sleep(0)  # the server's model check and load (seconds) overlap litellm's import below
        try:
            self._build_generators(names)
            self._scoring_contexts(set(self.specs))  # every generator: stored unscored cells are scored with them too
            await self._warm_providers()
        finally:
            slots = await server
        if slots and self.run_client is not None:
            self.run_client.follow_slots(LOCAL_MODEL, slots)

    def _build_generators(self, names: set[str]) -> None:
        """The generators and provider clients of the cells the cache did not answer."""
        factory = self.generator_factory or generators.build_generator
        self.generators = {name: factory(self.specs[name]) for name in sorted(names)}
        self.inners = {name: (self.client or _provider_client(self.specs[name], self.config.execution.timeout_s))
                       for name in self.generators}

    def _scoring_contexts(self, names: set[str]) -> None:
        """Each generator's scoring context; an LLM support judge calls through the run client (the bridge)."""
        assert self.run_client is not None
        judge_calls = run_judge_calls(self.config, self.run_client, asyncio.get_running_loop(), self.client)
        self.judge_inner = judge_calls.inner if judge_calls is not None else None
        self.contexts = {name: self.context or scoring_context(self.config, self.specs[name], judge_calls=judge_calls)
                         for name in names}

    async def _warm_providers(self) -> None:
        """Walk litellm's call path once before any call's timeout ticks, when a generator calls a provider."""
        if self.client is None and any(calls_provider(self.specs[n]) for n in self.generators) and not _WARM.is_set():
            await asyncio.to_thread(_warm_provider_client)

    async def _start_local_server(self, names: set[str]) -> int | None:
        """Start the local LLM server when one of these generators uses it; its slots (None: not started)."""
        if self.client is not None or not any(self.specs[n].model == LOCAL_MODEL for n in names):
            return None
        return await _start_local_llm()

    async def close(self) -> None:
        """Close provider clients (their HTTP sessions belong to this loop) and the cache; errors are only logged."""
        clients = [*self.inners.values(), self.judge_inner]
        for inner in {id(c): c for c in clients if c is not None}.values():
            if hasattr(inner, "aclose"):
                try:
                    await inner.aclose()
                except Exception as exc:  # noqa: BLE001 — closing must not hide the run's own outcome
                    log.debug("closing a provider client failed: %s", exc)
        if self.cache is not None:
            self.cache.close()


def local_decoding_cores(config: ExperimentConfig) -> int:
    """Cores the local model's server decodes on when a generator or the judge calls it (0 otherwise): a run's
    scoring workers would compete with its decoding for them."""
    judges = [config.scorers.support, config.scorers.relevance]  # an llm method's own model, else judge_model
    models = [g.model for g in config.generators if calls_provider(g)] + [config.scorers.judge_model]
    models += [j.model for j in judges if j is not None and j.method == "llm"]
    return local_server.decode_threads() if LOCAL_MODEL in models else 0


def _provider_client(spec: GeneratorSpec, timeout_s: float) -> LLMClient | None:
    """A generator's own litellm client (None for a generator that calls no provider)."""
    if not calls_provider(spec):
        return None
    return LiteLLMClient(price=spec.price, timeout_s=timeout_s)


async def _start_local_llm() -> int | None:
    """Start (or reuse) the local server, allowing one restart this run; a death is logged, and its cells fail fast.
    Returns the server's slots (sequences it decodes at once), None when it is unavailable."""
    local_server.new_run(restarts=1)
    log.info("starting the local LLM server (llama.cpp) if it is not running")
    try:
        state = await asyncio.to_thread(local_server.ensure_running)
    except local_server.LocalServerDied as exc:
        log.error("local LLM unavailable for this run: %s", exc.diagnosis.report())
        return None
    log.info("local LLM server at %s (%s, %d slots)", state.api_base, state.server, state.n_parallel)
    return state.n_parallel


def _warm_provider_client() -> None:
    """Import litellm and walk its call path once (a mock reply, no network) so no timed call pays for it."""
    litellm_api.warm()
    _WARM.set()


_WARM = threading.Event()


def run_judge_calls(config: Any, run: RunClient, loop: asyncio.AbstractEventLoop,
                    client: LLMClient | None) -> RunJudgeCalls | None:
    """The bridge when the run's support method or the judge family calls an LLM judge (None otherwise);
    `client` replaces litellm."""
    support = getattr(config.scorers, "support", None)
    rubric = bool(model_calling(config.scorers.families, config.scorers.judge_model))
    if not rubric and (support is None or support.method != "llm"):
        return None
    return RunJudgeCalls(run, loop, client or LiteLLMClient(timeout_s=config.execution.timeout_s))
