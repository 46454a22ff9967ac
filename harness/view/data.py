"""The runs a viewer serves, loaded once: joined scores and generations (the report's own loader), which run each
cell belongs to, the failures with each failed cell's error, and the tasks (for abstracts and topics) on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import polars as pl

from harness.core.errors import HarnessError, warn
from harness.models import Task
from harness.report.costs import cost_from_generations
from harness.report.join import join_runs
from harness.report.load import RunData
from harness.report.tables import generator_order
from harness.runner.failures import NO_RECORD, FailureGroup
from harness.runner.store.jsonl import iter_jsonl
from harness.runner.store.layout import ERRORS
from harness.tasks.suite import get_task

ANNOTATIONS = "annotations.jsonl"


@dataclass
class ViewRun:
    """One run given on the command line: its position, id, directory and its generators' names in the view."""

    index: int
    run_id: str
    run_dir: Path
    names: dict[str, str]

    @property
    def annotations(self) -> Path:
        return self.run_dir / ANNOTATIONS


@dataclass
class ViewData:
    """Everything the pages read; nothing here is written back except through harness.view.labels."""

    runs: list[ViewRun]
    scores: pl.DataFrame
    manifest: dict[str, Any]
    generations: dict[str, dict[str, Any]]
    run_of: dict[str, ViewRun]
    generators: list[str]
    tasks: list[str]
    metrics: list[str]
    failures: list[FailureGroup] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tasks_dirs: dict[int, str | None] = field(default_factory=dict)

    def cell_rows(self, cell: str) -> list[dict[str, Any]]:
        """The score rows of one cell, by score name."""
        return sorted(self.scores.filter(pl.col("cell") == cell).to_dicts(), key=lambda r: r["score"])

    def cells(self) -> list[str]:
        """Every cell with a generation or a score, in (task, generator order, seed) order."""
        keys = set(self.generations) | set(self.scores["cell"].unique().to_list())
        order = {g: i for i, g in enumerate(self.generators)}

        def sort_key(cell: str) -> tuple:
            task, gen, seed = cell_parts(cell)
            return task, order.get(gen, len(order)), gen, int(seed) if seed.lstrip("-").isdigit() else 0

        return sorted(keys, key=sort_key)

    def task(self, cell: str) -> Task | None:
        """The task of a cell, from its run's tasks_dir (None when the task file is gone or unreadable)."""
        run = self.run_of.get(cell)
        return _load_task(cell_parts(cell)[0], self.tasks_dirs.get(run.index) if run else None)


@lru_cache(maxsize=64)
def _load_task(task_id: str, tasks_dir: str | None) -> Task | None:
    try:
        return get_task(task_id, tasks_dir)
    except (HarnessError, OSError, ValueError):
        return None


def _tasks_dir(run: RunData) -> str | None:
    config = run.manifest.get("config") if isinstance(run.manifest.get("config"), dict) else {}
    value = config.get("tasks_dir")
    return str(value) if value else None


def cell_parts(cell: str) -> tuple[str, str, str]:
    """(task, generator, seed) of a cell key; task ids may hold '|', generator names may not."""
    parts = cell.rsplit("|", 2)
    return (parts[0], "", "") if len(parts) < 3 else (parts[0], parts[1], parts[2])


def _renamed(cell: str, table: dict[str, str]) -> str:
    """A run file's cell key under the view's generator names."""
    task, gen, seed = cell_parts(cell)
    return f"{task}|{table.get(gen, gen)}|{seed}"


def _errors(runs: list[RunData], names: list[dict[str, str]]) -> dict[str, str]:
    """cell (as the view names it) -> the last error errors.jsonl records for it."""
    out: dict[str, str] = {}
    for run, table in zip(runs, names):
        try:
            for rec in iter_jsonl(run.run_dir / ERRORS):
                if isinstance(rec.get("cell"), str):
                    out[_renamed(rec["cell"], table)] = str(rec.get("error") or "")
        except HarnessError as exc:
            warn(str(exc))
    return out


def load_view(run_dirs: Sequence[str | Path], renames: Sequence[str] | None = None) -> ViewData:
    """Load the runs as `harness report` joins them; HarnessError (naming the file) when one cannot be read."""
    joined = join_runs(list(run_dirs), renames)
    data = joined.data
    scores = cost_from_generations(data.scores, data.generations)
    runs = [ViewRun(i, r.run_id, r.run_dir.resolve(), names) for i, (r, names) in
            enumerate(zip(joined.runs, joined.names))]
    generations = {g["cell"]: g for g in data.generations if isinstance(g.get("cell"), str)}
    run_of: dict[str, ViewRun] = {}
    for run, raw in zip(runs, joined.runs):
        for cell in raw.scores["cell"].unique().to_list() + [
                str(g.get("cell") or f"{g.get('task_id')}|{g.get('generator')}|{g.get('seed')}") for g in raw.generations]:
            run_of.setdefault(_renamed(cell, run.names), run)
    failed = {c for g in joined.failures for c in g.cells} | {c for c, g in generations.items() if g.get("error")}
    recorded = _errors(joined.runs, joined.names)
    errors = {c: recorded.get(c) or str(generations.get(c, {}).get("error") or NO_RECORD) for c in failed}
    return ViewData(
        runs=runs, scores=scores, manifest=data.manifest, generations=generations, run_of=run_of,
        generators=generator_order(scores, data.manifest), tasks=sorted(scores["task_id"].unique().to_list()),
        metrics=sorted(scores["score"].unique().to_list()), failures=joined.failures, errors=errors,
        notes=joined.notes, tasks_dirs={r.index: _tasks_dir(raw) for r, raw in zip(runs, joined.runs)})
