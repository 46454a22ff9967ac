"""Run an experiment: every cell (task x generator x seed) generated, scored and stored; resumable and cached.

The pieces, one module each: `run_dir` (a new or resumed run directory: lock, manifest, sessions), `resources`
(cache, run client, generators, provider clients, scoring contexts), `cell_runner` (one cell generated,
recorded and scored), `cell_batch` (the pending cells, bounded), `executors` (where scoring and offline
generation run), `summary` and `progress`. This module wires them.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Callable

from harness.cells import Cell
from harness.config import ExperimentConfig
from harness.core.secrets import register_secrets
from harness.generators import call_rounds
from harness.generators.base import GeneratorSpec, LLMClient
from harness.models import Task
from harness.plugins import load_config
from harness.runner.budget import check_priced
from harness.runner.cell_batch import CellBatch
from harness.runner.cell_runner import CellRunner, score_stored_cells
from harness.runner.executors.base import Executor
from harness.runner.executors.factory import make_executor
from harness.runner.failures import run_failures
from harness.runner.progress import Progress
from harness.runner.resources import CellResources, local_decoding_cores
from harness.runner.run_dir import RunDirectory
from harness.runner.run_log import run_log
from harness.runner.store.layout import RUN_LOG
from harness.runner.summary import RunSummary
from harness.runner.sync import run_sync
from harness.tasks.suite import load_suite

log = logging.getLogger("harness.runner")

__all__ = ["run_experiment", "run_experiment_async"]


def run_experiment(config: ExperimentConfig | str | Path | None, run_dir: str | Path | None = None,
                   resume: bool = True, **kwargs: Any) -> RunSummary:
    """Run (or resume) an experiment and return its summary; blocking wrapper over run_experiment_async."""
    return run_sync(run_experiment_async(config, run_dir, resume, **kwargs))


def _matrix(config: ExperimentConfig | str | Path | None, tasks: dict[str, Task] | None, client: Any = None
            ) -> tuple[ExperimentConfig, dict[str, Task], list[Cell]]:
    """The resolved config (its secrets registered for redaction), the task suite and the cells in order."""
    if config is None or isinstance(config, (str, Path)):
        config = load_config(config)
    register_secrets(config.secrets())  # keys set in the config are redacted from every file, log line, message
    if tasks is None:
        tasks = load_suite(config.tasks_dir)
    resolved = config.resolved(list(tasks))
    if client is None:  # an injected client (tests) prices its own replies
        check_priced(resolved)  # with budget_usd, a model the budget cannot bound stops the run before it starts
    return resolved, tasks, [Cell(task_id=t, generator=g, seed=s) for t, g, s in resolved.cells(resolved.tasks)]


def _pending(run_dir: RunDirectory, cells: list[Cell], summary: RunSummary, max_cells: int | None) -> list[Cell]:
    """The cells this session runs: those without a successful stored generation (failed ones are retried)."""
    done = run_dir.store.completed_cells()
    summary.cells_resumed = len(done & set(cells))
    pending = [c for c in cells if c not in done]
    retried = sum(1 for c in pending if run_dir.store.generation_number(c))
    if retried:
        log.info("retrying %d cells whose stored generation failed", retried)
    return pending if max_cells is None else pending[:max_cells]


def provider_cells_first(cells: list[Cell], specs: dict[str, GeneratorSpec]) -> list[Cell]:
    """The cells that call a model first, the longest chains of calls first among them (stable otherwise).

    Calls wait on the provider, so started early they overlap the offline cells' CPU work instead of trailing it,
    and a local model decodes its slots full. A cell whose calls run in rounds (a plan, then the writing) started
    late leaves a tail of lone calls; started first, its first calls also leave the task's prompt in the local
    server's prompt cache for its later call and the task's other cells (docs/benchmarks.md).
    """
    rounds = {name: call_rounds(spec) for name, spec in specs.items()}
    return sorted(cells, key=lambda c: -rounds[c.generator])


def _conclude(summary: RunSummary, run_dir: RunDirectory, cells: list[Cell], res: CellResources) -> None:
    """The summary of a session whose cells all ran: budget, scores table, cells done, status, failures."""
    summary.budget_exhausted = bool(res.run_client and res.run_client.budget_hit)
    if summary.budget_exhausted:
        log.warning("budget_usd %.4f reached: %d cells not run (resume with a larger budget to finish)",
                    res.config.execution.budget_usd, summary.cells_not_run)
    summary.score_rows = run_dir.store.materialize_scores().height
    summary.cells_done = sum(1 for c in cells if run_dir.store.generation_number(c))  # ok or failed: has a result
    summary.status = "complete" if summary.cells_done == len(cells) else "partial"
    summary.failures = run_failures(run_dir.path) if run_dir.store.has_failed_cells() else []


async def _run_session(run_dir: RunDirectory, cells: list[Cell], summary: RunSummary, res: CellResources,
                       executor: Executor, tasks: dict[str, Task], *, max_cells: int | None, progress: bool | None
                       ) -> None:
    """Run the pending cells after scoring stored unscored ones (both inside the budget), conclude the summary."""
    config = res.config
    log.info("run %s: %d cells (%d tasks x %d generators x %d seeds), session %d", run_dir.run_id, len(cells),
             len(config.tasks), len(config.generators), len(config.seeds), run_dir.session_index + 1)
    pending = _pending(run_dir, cells, summary, max_cells)
    bar = Progress(len(pending), progress, lambda: res.counters)
    bar.start()  # a line at least every 30 s from here on, start-up (model load, server start) included
    try:
        await executor.start(tasks)
        await res.prepare(pending, tasks, run_dir.prior_spend_usd, run_dir.record_usage)
        summary.cells_rescored = await score_stored_cells(cells, run_dir.store, executor, config, res.contexts)
        runner = CellRunner(res, run_dir.store, executor, tasks, config.scorers.families)
        # Bound cells in flight (and so the work a kill can lose) to about twice the call concurrency.
        specs = {g.name: g for g in config.generators}
        await CellBatch(runner, run_dir, summary, bar, 2 * config.execution.concurrency.global_).run(
            provider_cells_first(pending, specs))
        _conclude(summary, run_dir, cells, res)
    finally:
        bar.close()


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
    allow_task_change: bool = False,
) -> RunSummary:
    """Run the matrix: skip cells already stored, generate the rest through the wrapped client, score, store.

    client replaces the per-generator LiteLLMClient (tests inject faults with it); generator_factory replaces
    harness.generators.build_generator; tasks replaces the suite loaded from config.tasks_dir; allow_task_change
    resumes a run whose tasks' content changed (recorded in the manifest) instead of refusing.
    """
    t_start = time.perf_counter()
    resolved, suite, cells = _matrix(config, tasks, client)
    rd = RunDirectory.open(resolved, suite, cells, run_dir, resume, allow_task_change)
    summary = RunSummary(run_id=rd.run_id, run_dir=str(rd.path), status="running", cells_total=len(cells))
    res = CellResources(resolved, client=client, generator_factory=generator_factory, context=context)
    executor = None
    with run_log(rd.store.path(RUN_LOG), log):
        try:
            executor = make_executor(resolved.execution, local_decoding_cores(resolved))
            await _run_session(rd, cells, summary, res, executor, suite, max_cells=max_cells, progress=progress)
        except BaseException:
            summary.status = "interrupted"
            raise
        finally:
            await res.close()
            if executor is not None:
                await executor.close()
            summary.counters, summary.wall_s = res.counters, time.perf_counter() - t_start
            rd.finish(summary)
            log.info(summary.closing_line())
    return summary
