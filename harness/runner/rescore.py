"""Recompute a run's scores from its stored generations (no provider call) and rewrite its scores table."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

import polars as pl

from harness.cells import Cell
from harness.config import ExperimentConfig
from harness.core.errors import HarnessError, warn
from harness.generators.base import Generation
from harness.llm.judge_calls import cached_judge_calls
from harness.models import Score, Task
from harness.plugins import config_from_dict
from harness.runner.executors.factory import make_executor
from harness.runner.manifest import Manifest
from harness.runner.scoring import scoring_context
from harness.runner.store.jsonl import read_jsonl_lenient
from harness.runner.store.layout import GENERATIONS, SCORES_LOG
from harness.runner.store.reader import load_manifest, read_generations, read_run_config, scored_generation
from harness.runner.store.writer import RunStore
from harness.runner.sync import run_sync
from harness.scorers import FAMILIES, check_families, model_calling
from harness.scorers.support import support_spec, with_support
from harness.tasks.suite import load_suite

log = logging.getLogger("harness.runner")


def _previous_scores(store: RunStore) -> dict[Cell, list[Score]]:
    """Each cell's scores of its latest generation; unreadable lines and scores are skipped with a warning."""
    from pydantic import ValidationError

    read = read_jsonl_lenient(store.path(SCORES_LOG))
    latest: dict[Cell, list[Score]] = {}
    bad = 0
    for rec in read.records:
        try:
            cell = Cell.parse(rec.get("cell"))
        except HarnessError:
            continue  # no cell of this run
        if scored_generation(rec) != store.generation_number(cell):
            continue  # scores of the cell's latest generation only
        try:
            latest[cell] = [Score.model_validate(s) for s in rec.get("scores") or []]
        except (ValidationError, TypeError):
            bad += 1
    if read.unreadable or bad:
        what = read.problem() + (f"{' and ' if read.unreadable else ''}{bad} line(s) with invalid scores" if bad
                                 else "")
        warn(f"{read.path}: {what} skipped: scores that rescore does not recompute are lost for those cells")
    return latest


def _stored_generations(run_dir: Path) -> dict[Cell, Generation]:
    """The run's generations; HarnessError when any is unreadable (rescoring would drop that cell's scores)."""
    path = run_dir / GENERATIONS
    read = read_jsonl_lenient(path)
    if not read.records and not read.unreadable:
        raise HarnessError("no stored generations to rescore" if read.exists else "no generations.jsonl: nothing "
                           "to rescore", path=path, hint="a run directory's reviews live only there; restore it "
                                                         "from a backup or run the experiment again")
    if read.unreadable:
        raise HarnessError(f"{read.problem()}: rescoring would drop the scores of those cells", path=path,
                           line=read.unreadable[0], hint=f"restore the file, or finish the run with `harness run "
                                                         f"--resume {run_dir}`, which runs a torn last cell again")
    return read_generations(run_dir)


def rescore(run_dir: str | Path, families: list[str] | None = None, tasks: dict[str, Task] | None = None,
            context: object = None, support: object = None) -> pl.DataFrame:
    """Score every stored generation again and rewrite scores.jsonl and scores.parquet atomically.

    Recomputes the run's families (or only `families`); new rows replace old rows of the same score name, other
    old rows stay. Never calls a provider: judge scores (which need a model) are kept from the run. `support`
    (a method or scorers.support setting) adds that method's support scores beside the run's own, named
    citations.support_rate.<method> etc.; an llm method calls its judge through the plain cached litellm path.
    """
    run_dir = Path(run_dir)
    config = config_from_dict(read_run_config(run_dir), source=str(run_dir / "manifest.json"))
    fam_list = _families(config, families, run_dir)
    gens = _stored_generations(run_dir)  # before loading tasks: a damaged file is the first thing to say
    if tasks is None:
        tasks = load_suite(config.tasks_dir)
    store = RunStore(run_dir)
    old = _previous_scores(store)
    _warn_changed_tasks(load_manifest(run_dir), tasks, run_dir)
    missing = next((c for c, g in gens.items() if g.task_id not in tasks), None)
    if missing is not None:
        raise HarnessError(f"task {missing.task_id!r} of cell {missing.key!r} is not in the task suite", path=run_dir)
    specs = {g.name: g for g in config.generators}
    judge_calls = _judge_calls(config, support)
    contexts = {name: _context(config, specs.get(name), context, support, judge_calls)
                for name in {g.generator for g in gens.values()}}
    fresh = run_sync(_score_all(gens, tasks, fam_list, contexts, config))
    out: dict[Cell, list[Score]] = {}
    for cell, new in fresh.items():
        names = {s.name for s in new}
        out[cell] = [s for s in old.get(cell, []) if s.name not in names] + new
    store.rewrite_scores_log(out)
    return store.materialize_scores()


async def _score_all(gens: dict[Cell, Generation], tasks: dict[str, Task], families: list[str],
                     contexts: dict[str, object], config: ExperimentConfig) -> dict[Cell, list[Score]]:
    """Every stored generation scored through the config's executor (worker processes or Ray, as for a run),
    a bounded number in flight; results in the cells' order."""
    executor = make_executor(config.execution)
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(gen: Generation) -> list[Score]:
        async with gate:
            return await executor.score(gen, families, contexts[gen.generator])

    try:
        await executor.start(tasks)
        scores = await asyncio.gather(*(one(g) for g in gens.values()))
    finally:
        await executor.close()
    return dict(zip(gens, scores, strict=True))


IN_FLIGHT = 32  # generations handed to the executor at once (enough to keep 16 workers busy, bounded memory)


def _families(config: ExperimentConfig, families: list[str] | None, run_dir: Path) -> list[str]:
    """The families rescored: those asked for (checked; never one that calls a model), else the run's own."""
    if families is None:
        fams = config.scorers.families or sorted(FAMILIES)
        calling = model_calling(fams, config.scorers.judge_model)
        return [f for f in fams if f not in calling]
    try:
        fam_list = check_families(families)
    except HarnessError as exc:
        raise HarnessError(exc.message, path=run_dir, field="--scorers", hint=exc.hint) from None
    calling = model_calling(fam_list, config.scorers.judge_model)
    if calling:
        raise HarnessError(f"the {', '.join(calling)} family calls a model; rescore makes no provider calls",
                           field="--scorers", hint="re-run the experiment to refresh those scores")
    return fam_list


def _warn_changed_tasks(manifest: Manifest, tasks: dict[str, Task], run_dir: Path) -> None:
    """Log the tasks whose files changed since the run (their content hash differs from the manifest's)."""
    changed = sorted(t for t, info in manifest.tasks.items()
                     if t in tasks and info.get("content_hash") not in (None, tasks[t].content_hash
                                                                        or tasks[t].compute_hash()))
    if changed:
        log.warning("rescore %s: task files changed since the run: %s", run_dir, ", ".join(changed))


def _judge_calls(config: ExperimentConfig, support: object) -> object:
    """The cached judge path when the run's or the added support method is llm (None otherwise): replies the
    run stored are reused, misses call litellm."""
    if "llm" not in (support_spec(support).method if support is not None else None,
                     getattr(config.scorers.support, "method", None)):
        return None
    return cached_judge_calls(config.cache_path(), config.execution.timeout_s)


def _context(config: ExperimentConfig, spec: object, context: object, support: object, judge_calls: object
             ) -> object:
    """A generator's scoring context for rescore (no judge model), with the added support method if any."""
    ctx = context or scoring_context(config, spec, judge=False)
    if support is not None:
        return with_support(ctx, support, judge_calls)
    return replace(ctx, judge_calls=judge_calls) if judge_calls is not None else ctx
