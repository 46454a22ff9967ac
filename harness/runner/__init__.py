"""Run an experiment: every cell (task x generator x seed) generated, scored and stored; resumable and cached."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, Field

from harness.config import ExperimentConfig, cell_id, load_config, redact_text, register_secrets
from harness.errors import HarnessError
from harness.generators import calls_provider
from harness.generators.base import Generation, GeneratorSpec, LLMClient
from harness.models import Task
from harness.runner.calls import BudgetExceeded, Counters, RunClient
from harness.runner.failures import FailureGroup, cause_of, run_failures
from harness.runner.executor import make_executor
from harness.runner.manifest import build_manifest, utc_now
from harness.runner.scoring import score_generation, scoring_context
from harness.runner.store import RUN_LOG, RunStore, read_generations, read_manifest, read_usage

log = logging.getLogger("harness.runner")

__all__ = ["RunSummary", "new_run_id", "run_experiment", "run_experiment_async", "score_generation",
           "scoring_context"]  # the last two live in harness.runner.scoring


class RunSummary(BaseModel):
    """What one run (or resumed session) did; the manifest holds the same counters."""

    run_id: str
    run_dir: str
    status: str
    cells_total: int
    cells_done: int = 0
    cells_resumed: int = 0
    cells_run: int = 0
    cells_failed: int = 0
    cells_cached: int = 0
    cells_not_run: int = 0
    cells_rescored: int = 0
    budget_exhausted: bool = False
    counters: dict[str, Any] = Field(default_factory=dict)
    wall_s: float = 0.0
    score_rows: int = 0
    failures: list[FailureGroup] = Field(default_factory=list)


def new_run_id(config: ExperimentConfig) -> str:
    """UTC timestamp + short config hash."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{config.config_hash()[:8]}"


def run_experiment(config: ExperimentConfig | str | Path | None, run_dir: str | Path | None = None,
                   resume: bool = True, **kwargs: Any) -> RunSummary:
    """Run (or resume) an experiment and return its summary; blocking wrapper over run_experiment_async."""
    coro = run_experiment_async(config, run_dir, resume, **kwargs)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from inside an event loop (a notebook): run in a private loop on a thread.
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def _load_tasks(config: ExperimentConfig, tasks: dict[str, Task] | None) -> dict[str, Task]:
    if tasks is not None:
        return tasks
    from harness.tasks import load_suite

    return load_suite(config.tasks_dir)


def _build_generators(specs: list[GeneratorSpec], factory: Callable[[GeneratorSpec], Any] | None) -> dict[str, Any]:
    if factory is None:
        from harness.generators import build_generator as factory
    return {spec.name: factory(spec) for spec in specs}


def _provider_client(spec: GeneratorSpec, timeout_s: float) -> LLMClient | None:
    if not calls_provider(spec):
        return None
    from harness.generators.llm import LiteLLMClient

    return LiteLLMClient(price=spec.price, timeout_s=timeout_s)


class _Progress:
    """A rich progress bar on a TTY (cells done / failed / cached, spend); log lines otherwise."""

    def __init__(self, total: int, enabled: bool | None):
        self.total = total
        self.done = self.failed = self.cached = 0
        self.spend = 0.0
        if enabled is None:
            enabled = sys.stderr.isatty()
        self._bar = None
        if enabled and total:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("[bold]cells"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.description}"), TimeElapsedColumn(), transient=False)
            self._task = self._bar.add_task(self._desc(), total=total)
            self._bar.start()

    def _desc(self) -> str:
        return f"failed {self.failed} · cached {self.cached} · spend ${self.spend:.4f}"

    def advance(self, failed: bool, cached: bool, spend: float) -> None:
        self.done += 1
        self.failed += int(failed)
        self.cached += int(cached)
        self.spend = spend
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self._desc())

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


async def run_experiment_async(
    config: ExperimentConfig | str | Path | None,
    run_dir: str | Path | None = None,
    resume: bool = True,
    *,
    max_cells: int | None = None,
    client: LLMClient | None = None,
    generator_factory: Callable[[GeneratorSpec], Any] | None = None,
    tasks: dict[str, Task] | None = None,
    progress: bool | None = None,
    context: Any = None,
) -> RunSummary:
    """Run the matrix: skip cells already stored, generate the rest through the wrapped client, score, store.

    client replaces the per-generator LiteLLMClient (tests inject faults with it); generator_factory replaces
    harness.generators.build_generator; tasks replaces the suite loaded from config.tasks_dir.
    """
    t_start = time.perf_counter()
    if config is None or isinstance(config, (str, Path)):
        config = load_config(config)
    # keys set in the config (api_key, token, ...) are redacted from every file, log line and message written
    register_secrets(config.secrets())
    suite = _load_tasks(config, tasks)
    resolved = config.resolved(list(suite))
    task_ids = resolved.tasks
    cells = [cell_id(*c) for c in resolved.cells(task_ids)]
    families = resolved.scorers.families

    # Run directory: new (run id) or existing (resume).
    if run_dir is None:
        base_id = run_id = new_run_id(resolved)
        run_path = Path(resolved.output_dir) / run_id
        n = 1
        while run_path.exists():  # two runs of one config within a second
            n += 1
            run_id = f"{base_id}-{n}"
            run_path = Path(resolved.output_dir) / run_id
    else:
        run_path = Path(run_dir)
        run_id = run_path.name
    existing = (run_path / "manifest.json").exists()
    if existing:
        if not resume:
            raise HarnessError("run directory already holds a run; pass resume=True (or --resume) to continue it",
                               path=run_path)
        manifest = read_manifest(run_path)
        if manifest.get("config_hash") != resolved.config_hash():
            raise HarnessError("run directory was made by a different config (config_hash differs); "
                               "start a new run or resume with the run's own config", path=run_path,
                               field="config_hash")
        run_id = manifest.get("run_id", run_id)
    store = RunStore(run_path)
    if not existing:
        manifest = build_manifest(resolved, run_id, {t: suite[t] for t in task_ids}, cells)
    prior_spend = _recount_sessions(manifest, store.dir)  # a killed session's usage is read back from usage.jsonl
    session: dict[str, Any] = {"started": utc_now(), "ended": None, "pid": os.getpid(), "counters": {}}
    manifest.setdefault("sessions", []).append(session)
    session_index = len(manifest["sessions"]) - 1
    manifest["status"] = "running"
    store.write_manifest(manifest)

    handler = logging.FileHandler(store.path(RUN_LOG), encoding="utf-8")
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    old_level = log.level
    log.setLevel(logging.INFO)
    specs = {g.name: g for g in resolved.generators}
    cache = None
    inners: dict[str, LLMClient | None] = {}
    executor = make_executor(getattr(resolved, "execution", None))
    summary = RunSummary(run_id=run_id, run_dir=str(run_path), status="running", cells_total=len(cells))
    bar: _Progress | None = None
    run_client: RunClient | None = None
    try:
        log.info("run %s: %d cells (%d tasks x %d generators x %d seeds), session %d", run_id, len(cells),
                 len(task_ids), len(resolved.generators), len(resolved.seeds), len(manifest["sessions"]))
        done = store.completed_cells()  # a cell whose latest generation failed is not done: it is retried
        scored = store.scored_cells()
        stored = read_generations(run_path) if done - scored else {}
        summary.cells_resumed = len(done & set(cells))
        pending = [c for c in cells if c not in done]
        retried = sum(1 for c in pending if store.generation_number(c))
        if retried:
            log.info("retrying %d cells whose stored generation failed", retried)
        if max_cells is not None:
            pending = pending[:max_cells]
        loop = asyncio.get_running_loop()
        await executor.start(suite)

        # Stored but unscored cells (a kill between the two appends): score them, no provider call.
        for cell in [c for c in cells if c in done and c not in scored]:
            gen = stored[cell]
            ctx = context or scoring_context(resolved, specs.get(gen.generator))
            scores = await executor.score(gen, families, ctx)
            store.append_scores(cell, scores)
            summary.cells_rescored += 1
        if summary.cells_rescored:
            log.info("scored %d stored cells that had no scores", summary.cells_rescored)

        if resolved.cache and pending:
            from harness.runner.cache import ResponseCache

            cache = ResponseCache(resolved.cache_path())
        run_client = RunClient(client, cache=cache, concurrency=resolved.concurrency, retries=resolved.retries,
                               timeout_s=resolved.timeout_s, budget_usd=resolved.budget_usd,
                               prior_spend_usd=prior_spend,
                               on_usage=lambda delta: store.append_usage(session_index, delta))
        from harness.runner.cell_cache import cell_reuse  # whole cells from the cache: no generator, no model

        reuse = cell_reuse(cache, enabled=client is None and generator_factory is None)
        hits = reuse.lookup_all(pending, specs, suite) if reuse is not None else {}
        generators = _build_generators([specs[n] for n in {c.split("|")[-2] for c in pending if c not in hits}],
                                       generator_factory) if len(hits) < len(pending) else {}
        from harness.runner.judge_bridge import run_judge_calls

        judge_calls = run_judge_calls(resolved, run_client, loop, client)  # support judge: via run_client
        contexts = {name: context or scoring_context(resolved, specs[name], judge_calls=judge_calls)
                    for name in {c.split("|")[-2] for c in pending}}
        inners = {name: (client or _provider_client(specs[name], resolved.timeout_s)) for name in generators}
        if judge_calls is not None:
            inners["|judge"] = judge_calls.inner  # closed with the others ('|' is never in a generator name)
        if any(calls_provider(specs[n]) for n in generators) and client is None and not _WARM.is_set():
            # litellm's import takes seconds: do it before any per-call timeout starts ticking
            await asyncio.to_thread(_warm_provider_client)
        if client is None and any(specs[n].model == "local/gemma-3-270m" for n in generators):
            await _start_local_llm()
        bar = _Progress(len(pending), progress)
        # Bound cells in flight (and so the work a kill can lose) to about twice the call concurrency.
        gate = asyncio.Semaphore(max(2, 2 * resolved.concurrency.global_))

        async def run_cell(cell: str) -> None:
            task_id, gen_name, seed_s = cell.rsplit("|", 2)
            seed = int(seed_s)
            async with gate:
                spec = specs[gen_name]
                if cell in hits:  # costs nothing, so served even once the budget is reached
                    await _serve_hit(cell, hits[cell], families, contexts[gen_name], store, run_client, summary,
                                     bar, executor)
                    return
                if calls_provider(spec) and run_client.budget_hit:
                    summary.cells_not_run += 1
                    return
                cc = run_client.for_cell(inners[gen_name])
                t0 = time.perf_counter()
                gen: Generation | None = None
                try:
                    if calls_provider(spec):
                        gen = await generators[gen_name].generate(suite[task_id], seed, cc)
                    else:  # offline generators are CPU-bound (BM25, embeddings): keep them off the event loop
                        gen = await executor.generate_offline(generators[gen_name], spec, task_id, seed)
                except BudgetExceeded:
                    pass
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - recorded for the cell; the run goes on
                    gen = Generation(task_id=task_id, generator=gen_name, seed=seed,
                                     error=f"{type(exc).__name__}: {redact_text(str(exc))[:1000]}")
                if cc.budget_blocked:
                    summary.cells_not_run += 1
                    log.warning("cell %s not run: budget_usd reached", cell)
                    return
                assert gen is not None
                gen = _with_outcomes(gen, cc.outcomes, time.perf_counter() - t0)
                line = await store.append_generation_async(cell, gen)  # fsynced (group commit) before scoring
                if reuse is not None and all(o.kept for o in cc.outcomes):  # an empty reply is retried next run
                    reuse.remember(spec, suite[task_id], seed, gen, line)
                failed = gen.review is None or gen.error is not None
                if failed:
                    calls = [o for o in cc.outcomes if o.error]
                    store.append_error(cell, gen.error or "no review", stage=calls[-1].stage if calls else None,
                                       attempts=calls[-1].attempts if calls else None,
                                       model=spec.model or spec.name, cause=cause_of({"error": gen.error}))
                    log.warning("cell %s failed: %s", cell, gen.error)
                scores = [] if gen.review is not None and families == [] else await executor.score(
                    gen, families, contexts[gen_name])
                store.append_scores(cell, scores)
                cached = bool(cc.outcomes) and all(o.cached for o in cc.outcomes)
                summary.cells_run += 1
                summary.cells_failed += int(failed)
                summary.cells_cached += int(cached)
                bar.advance(failed, cached, run_client.counters.spend_usd)
                if time.monotonic() - last_write[0] >= MANIFEST_EVERY_S:  # readers see live totals
                    last_write[0] = time.monotonic()
                    session["counters"] = run_client.counters.as_dict()
                    _sum_sessions(manifest)
                    store.flush()
                    store.write_manifest(manifest)

        last_write = [time.monotonic()]

        await asyncio.gather(*(run_cell(c) for c in pending))
        summary.budget_exhausted = run_client.budget_hit
        if summary.budget_exhausted:
            log.warning("budget_usd %.4f reached: %d cells not run (resume with a larger budget to finish)",
                        resolved.budget_usd, summary.cells_not_run)
        df = store.materialize_scores()
        summary.score_rows = df.height
        summary.cells_done = sum(1 for c in cells if store.generation_number(c))  # ok or failed: has a result
        summary.status = "complete" if summary.cells_done == len(cells) else "partial"
        summary.failures = run_failures(run_path)
    except BaseException:
        summary.status = "interrupted"
        raise
    finally:
        if bar is not None:
            bar.close()
        for inner in {id(c): c for c in inners.values() if c is not None}.values():
            if hasattr(inner, "aclose"):  # litellm's HTTP sessions belong to this loop: close them before it ends
                try:
                    await inner.aclose()
                except Exception as exc:  # noqa: BLE001 — closing must not hide the run's own outcome
                    log.debug("closing a provider client failed: %s", exc)
        await executor.close()
        if cache is not None:
            cache.close()
        store.close()  # buffered usage and scores lines reach the disk before the manifest that sums them
        counters = run_client.counters.as_dict() if run_client is not None else Counters().as_dict()
        summary.counters = counters
        summary.wall_s = time.perf_counter() - t_start
        session.update(ended=utc_now(), counters=counters, status=summary.status, wall_s=round(summary.wall_s, 3))
        _sum_sessions(manifest)
        manifest["last_session_counters"] = counters
        manifest["status"] = summary.status
        manifest["ended"] = session["ended"]
        manifest["cells_done"] = summary.cells_done
        manifest["budget_exhausted"] = summary.budget_exhausted
        store.write_manifest(manifest)
        log.info("run %s %s: %d/%d cells done, %d failed, %d cached, %d provider calls, $%.4f, %.1fs", run_id,
                 summary.status, summary.cells_done, len(cells), summary.cells_failed, summary.cells_cached,
                 counters["provider_calls"], counters["spend_usd"], summary.wall_s)
        log.removeHandler(handler)
        handler.close()
        log.setLevel(old_level)
    return summary


MANIFEST_EVERY_S = 2.0  # how often a running session refreshes the manifest's counters


async def _start_local_llm() -> None:
    """Start (or reuse) the local server, allowing one restart this run; a death is logged, and its cells fail fast."""
    from harness import local_llm

    local_llm.new_run(restarts=1)
    log.info("starting the local LLM server (llama.cpp) if it is not running")
    try:
        state = await asyncio.to_thread(local_llm.ensure_running)
    except local_llm.LocalServerDied as exc:
        log.error("local LLM unavailable for this run: %s", exc.diagnosis.report())
        return
    log.info("local LLM server at %s", state.api_base)


async def _serve_hit(cell: str, hit: Any, families: list[str] | None, ctx: Any, store: RunStore,
                     run_client: RunClient, summary: RunSummary, bar: _Progress, executor: Any) -> None:
    """A cell found whole in the cache: its stored line appended as is, scored only if scores are asked for."""
    await store.append_generation_line_async(cell, hit.line)
    run_client._count(cache_hits=hit.calls)
    scores = [] if families is not None and not families else await executor.score(hit.generation(), families, ctx)
    store.append_scores(cell, scores)
    summary.cells_run += 1
    summary.cells_cached += int(hit.calls > 0)  # as for a generated cell: all of its provider calls were cached
    bar.advance(False, hit.calls > 0, run_client.counters.spend_usd)


def _recount_sessions(manifest: dict[str, Any], run_dir: Path) -> float:
    """Fill earlier sessions' counters from usage.jsonl (a killed session never wrote its own); return their spend."""
    usage = read_usage(run_dir)
    for i, s in enumerate(manifest.get("sessions", [])):
        if i in usage:
            c = Counters()
            c.add(usage[i])
            s["counters"] = c.as_dict()
        if s.get("ended") is None:
            s.setdefault("status", "killed (no end recorded)")
    _sum_sessions(manifest)
    return float(manifest["counters"].get("spend_usd", 0.0))


def _sum_sessions(manifest: dict[str, Any]) -> None:
    """The run's counters: the sum over its sessions."""
    totals = Counters()
    for s in manifest.get("sessions", []):
        totals.add(s.get("counters") or {})
    manifest["counters"] = totals.as_dict()


def _warm_provider_client() -> None:
    """Import litellm and walk its call path once (a mock reply, no network) so no timed call pays for it."""
    from harness.generators.llm import _litellm

    ll = _litellm()
    try:
        ll.completion(model="openai/warmup", mock_response="ok", messages=[{"role": "user", "content": "hi"}])
    except Exception:  # noqa: BLE001 - warming is best effort
        pass
    _WARM.set()


_WARM = threading.Event()


def _with_outcomes(gen: Generation, outcomes: list, wall_s: float) -> Generation:
    """Copy attempts / cached flags the runner saw into the generation's call records (same order)."""
    update: dict[str, Any] = {}
    if gen.latency_s is None:
        update["latency_s"] = wall_s
    if outcomes and len(outcomes) == len(gen.calls):
        update["calls"] = [c.model_copy(update={"attempts": max(1, o.attempts) if not o.cached else c.attempts,
                                                "cached": o.cached or c.cached})
                           for c, o in zip(gen.calls, outcomes, strict=True)]
    return gen.model_copy(update=update) if update else gen


class _RedactingFormatter(logging.Formatter):
    """run.log never holds an API key."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))
