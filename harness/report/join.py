"""Several runs in one report: cells matched by (task, seed), generators renamed with --as, name clashes refused."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import polars as pl

from harness.cells import Cell
from harness.core.errors import HarnessError
from harness.report.load import RunData, load_run
from harness.report.tables import manifest_generators
from harness.runner.failures import FailureGroup, run_failures


@dataclass(frozen=True)
class Rename:
    """--as NAME=RUN/GEN: generator GEN of run RUN is reported as NAME."""

    new: str
    run: str
    generator: str


@dataclass
class JoinedRuns:
    """The runs of one report: their data merged under final generator names, and each run kept for its facts."""

    data: RunData
    runs: list[RunData]
    names: list[dict[str, str]]  # per run: original generator name -> name in the report
    failures: list[FailureGroup] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_renames(items: Sequence[str] | None) -> list[Rename]:
    """['NAME=RUN/GEN', ...] -> Renames; RUN may itself contain '/', GEN is what follows the last one."""
    out = []
    for item in items or []:
        new, sep, target = item.partition("=")
        run, slash, gen = target.rpartition("/")
        if not sep or not slash or not new.strip() or not run.strip() or not gen.strip():
            raise HarnessError(f"bad rename {item!r}", field="--as", hint="write NAME=RUN/GEN, e.g. "
                               "--as gpt-jan=results/2026-01-05-abc/gpt")
        out.append(Rename(new.strip(), run.strip().rstrip("/"), gen.strip()))
    return out


def _run_keys(arg: str | Path, run: RunData) -> set[str]:
    """The ways --as may name a run: as given on the command line, its folder name, its run id, its full path."""
    return {str(arg).rstrip("/"), run.run_dir.name, run.run_id, str(run.run_dir.resolve())}


def _names_per_run(args: Sequence[str | Path], runs: list[RunData], renames: list[Rename]) -> list[dict[str, str]]:
    names = [{g: g for g in r.scores["generator"].unique(maintain_order=True).to_list()} for r in runs]
    for rn in renames:
        hits = [i for i, (a, r) in enumerate(zip(args, runs)) if rn.run in _run_keys(a, r)
                or str(Path(rn.run).resolve()) == str(r.run_dir.resolve())]
        if not hits:
            raise HarnessError(f"--as {rn.new}={rn.run}/{rn.generator}: {rn.run!r} is none of the reported runs",
                               field="--as", hint="runs: " + ", ".join(str(a) for a in args))
        if len(hits) > 1:
            raise HarnessError(f"--as {rn.new}={rn.run}/{rn.generator}: {rn.run!r} names more than one run",
                               field="--as", hint="name the run by its directory path")
        table = names[hits[0]]
        if rn.generator not in table:
            raise HarnessError(f"--as {rn.new}={rn.run}/{rn.generator}: run {runs[hits[0]].run_id!r} has no "
                               f"generator {rn.generator!r}", field="--as", hint="its generators: "
                               + ", ".join(table))
        table[rn.generator] = rn.new
    return names


def _refuse_clashes(runs: list[RunData], names: list[dict[str, str]]) -> None:
    owner: dict[str, str] = {}
    for run, table in zip(runs, names):
        finals = list(table.values())
        dup = next((n for n in finals if finals.count(n) > 1), None)
        if dup is not None:
            raise HarnessError(f"two generators of run {run.run_id!r} would both be called {dup!r}", field="--as")
        for original, final in table.items():
            if final in owner:
                raise HarnessError(f"generator name {final!r} is used by runs {owner[final]!r} and {run.run_id!r}",
                                   field="--as", hint=f"rename one, e.g. --as {final}-2={run.run_dir}/{original}")
            owner[final] = run.run_id


def _rename_scores(scores: pl.DataFrame, table: dict[str, str]) -> pl.DataFrame:
    renamed = scores.with_columns(pl.col("generator").replace_strict(table, default=pl.col("generator")))
    return renamed.with_columns(pl.format("{}|{}|{}", "task_id", "generator", "seed").alias("cell"))


def _rename_generation(gen: dict[str, Any], table: dict[str, str]) -> dict[str, Any]:
    out = dict(gen)
    name = table.get(str(gen.get("generator")), str(gen.get("generator")))
    out["generator"] = name
    out["cell"] = f"{gen.get('task_id')}|{name}|{gen.get('seed')}"
    return out


def _rename_failures(groups: list[FailureGroup], table: dict[str, str]) -> list[FailureGroup]:
    out = []
    for g in groups:
        cells = []
        for key in g.cells:
            try:
                c = Cell.parse(key)
            except HarnessError:
                cells.append(key)  # names no cell: kept as recorded
                continue
            cells.append(c.model_copy(update={"generator": table.get(c.generator, c.generator)}).key)
        out.append(g.model_copy(update={"generators": [table.get(x, x) for x in g.generators], "cells": cells}))
    return out


def _joined_manifest(runs: list[RunData], names: list[dict[str, str]]) -> dict[str, Any]:
    specs = []
    for run, table in zip(runs, names):
        for spec in manifest_generators(run.manifest):
            if spec["name"] in table:
                specs.append({**copy.deepcopy(spec), "name": table[spec["name"]]})
    return {"run_id": " + ".join(r.run_id for r in runs), "generators": specs}


def _matching_notes(runs: list[RunData]) -> list[str]:
    keys = [set(zip(r.scores["task_id"].to_list(), r.scores["seed"].to_list())) for r in runs]
    common = set.intersection(*keys)
    if not common:
        raise HarnessError("the runs share no (task, seed) cell, so nothing can be compared",
                           field="RUN", hint="join runs made on the same tasks and seeds")
    notes = []
    for run, k in zip(runs, keys):
        extra = sorted(k - common)
        if extra:
            shown = ", ".join(f"{t}/seed {s}" for t, s in extra[:5]) + (" …" if len(extra) > 5 else "")
            notes.append(f"run {run.run_id}: {len(extra)} (task, seed) pair(s) not in every run ({shown}); "
                         "pairwise tests use matched cells only")
    return notes


def join_runs(run_dirs: Sequence[str | Path], renames: Sequence[str] | list[Rename] | None = None) -> JoinedRuns:
    """Load each run, apply the renames, refuse generator names used by two runs, and merge them."""
    if not run_dirs:
        raise HarnessError("no run directory given", field="RUN")
    rn = [r for r in renames or [] if isinstance(r, Rename)] + parse_renames(
        [r for r in renames or [] if not isinstance(r, Rename)])
    runs = [load_run(d) for d in run_dirs]
    seen: dict[Path, str] = {}
    for arg, run in zip(run_dirs, runs):
        real = run.run_dir.resolve()
        if real in seen:
            raise HarnessError(f"run {str(arg)!r} is given twice (also as {seen[real]!r})", field="RUN")
        seen[real] = str(arg)
    names = _names_per_run(run_dirs, runs, rn)
    _refuse_clashes(runs, names)
    notes = _matching_notes(runs) if len(runs) > 1 else []
    notes += [w for r in runs for w in getattr(r, "warnings", [])]  # what load_run could not read
    scores = pl.concat([_rename_scores(r.scores, t) for r, t in zip(runs, names)], how="vertical_relaxed")
    generations = [_rename_generation(g, t) for r, t in zip(runs, names) for g in r.generations]
    failures = [f for r, t in zip(runs, names) for f in _rename_failures(run_failures(r.run_dir), t)]
    failures.sort(key=lambda g: (-g.count, g.model, g.cause))
    if len(runs) == 1:
        data = RunData(run_dir=runs[0].run_dir, manifest=_single_manifest(runs[0], names[0]), scores=scores,
                       generations=generations)
    else:
        data = RunData(run_dir=runs[0].run_dir, manifest=_joined_manifest(runs, names), scores=scores,
                       generations=generations)
    return JoinedRuns(data=data, runs=runs, names=names, failures=failures, notes=notes)


def _single_manifest(run: RunData, table: dict[str, str]) -> dict[str, Any]:
    """One run's manifest, with renamed generators (a single run may be renamed too)."""
    if all(k == v for k, v in table.items()):
        return run.manifest
    manifest = copy.deepcopy(run.manifest)
    joined = _joined_manifest([run], [table])
    manifest["generators"] = joined["generators"]
    if isinstance(manifest.get("config"), dict):
        manifest["config"]["generators"] = joined["generators"]
    return manifest
