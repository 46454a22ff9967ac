"""The scores table of a run: per cell, the scores line of its latest generation, as a polars frame."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from harness.cells import Cell
from harness.core.errors import HarnessError, warn
from harness.runner.store.jsonl import JsonlRead, iter_jsonl, read_jsonl_lenient
from harness.runner.store.layout import GENERATIONS, SCORES, SCORES_LOG
from harness.runner.store.reader import generation_counts, scored_generation

__all__ = ["SCORE_SCHEMA", "ScoresRead", "read_scores", "read_scores_checked", "scores_frame"]

SCORE_SCHEMA = {
    "cell": pl.Utf8,
    "task_id": pl.Utf8,
    "generator": pl.Utf8,
    "seed": pl.Int64,
    "score": pl.Utf8,
    "value": pl.Float64,
    "status": pl.Utf8,
    "explanation": pl.Utf8,
    "details": pl.Utf8,
}


def scores_frame(run_dir: str | Path, counts: dict[str, int] | None = None) -> pl.DataFrame:
    """The scores table built from scores.jsonl: per cell, the last scores line of its latest generation.

    counts: cell -> generation lines when the caller already knows them (the writing store), else read from disk.
    """
    run_dir = Path(run_dir)
    counts = generation_counts(run_dir) if counts is None else counts
    latest: dict[str, list[Any]] = {}
    for rec in iter_jsonl(run_dir / SCORES_LOG):
        cell = rec.get("cell")
        if cell in counts and scored_generation(rec) == counts[cell]:
            latest[cell] = rec.get("scores", [])
    return _frame(latest)


@dataclass
class ScoresRead:
    """The scores table of a run, what was lost or replaced reading it, and cells with a generation but no scores."""

    table: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _parquet(path: Path) -> tuple[pl.DataFrame | None, str]:
    """scores.parquet as a table, or (None, why it cannot be used)."""
    try:
        df = pl.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - polars raises several types for a damaged file
        return None, " ".join(f"{type(exc).__name__}: {exc}".split())[:160]
    absent = [c for c in SCORE_SCHEMA if c not in df.columns and c not in ("cell", "explanation", "details")]
    if absent:
        return None, f"no column {absent[0]!r}"
    return df, ""


def _generation_counts(gens: JsonlRead) -> dict[str, int]:
    """cell -> generation lines of a leniently read generations.jsonl (the runner scores every latest one)."""
    counts: dict[str, int] = {}
    for rec in gens.records:
        cell = rec.get("cell")
        if isinstance(cell, str):
            counts[cell] = counts.get(cell, 0) + 1
    return counts


def _frame(latest: dict[str, list[Any]]) -> pl.DataFrame:
    """Rows of each cell's chosen scores line; cells or scores that do not parse are left out."""
    rows = []
    for cell in sorted(latest):
        try:
            c = Cell.parse(cell)
        except HarnessError:
            continue
        seen: set[str] = set()
        for s in latest[cell] if isinstance(latest[cell], list) else []:
            if not isinstance(s, dict) or not isinstance(s.get("name"), str) or s["name"] in seen:
                continue
            seen.add(s["name"])
            value = s.get("value")
            rows.append({
                "cell": cell, "task_id": c.task_id, "generator": c.generator, "seed": c.seed, "score": s["name"],
                "value": float(value) if isinstance(value, (int, float)) else None, "status": s.get("status"),
                "explanation": s.get("explanation", ""),
                "details": json.dumps(s.get("details") or {}, ensure_ascii=False, sort_keys=True, default=str),
            })
    return pl.DataFrame(rows, schema=SCORE_SCHEMA)


def read_scores_checked(run_dir: str | Path) -> ScoresRead:
    """The scores table (scores.parquet, else rebuilt from scores.jsonl), saying what was unreadable or missing.

    A damaged scores.parquet falls back to scores.jsonl; unreadable scores.jsonl lines are counted; cells with a
    stored generation but no scores (the runner scores every generation, failed ones as errors) are missing.
    HarnessError only when there is nothing to read the scores from.
    """
    run_dir = Path(run_dir)
    pq, log_path = run_dir / SCORES, run_dir / SCORES_LOG
    out_warnings: list[str] = []
    gens = read_jsonl_lenient(run_dir / GENERATIONS)
    counts = _generation_counts(gens)
    table, source = None, SCORES
    if pq.exists() and (not log_path.exists() or pq.stat().st_mtime_ns >= log_path.stat().st_mtime_ns):
        table, why = _parquet(pq)
        if table is None and not log_path.exists():
            raise HarnessError(f"scores.parquet is unreadable ({why}) and there is no scores.jsonl to rebuild it "
                               "from", path=pq, hint="run `harness rescore RUN_DIR` to score the stored reviews")
        if table is None:
            out_warnings.append(f"{pq} is unreadable ({why}): the scores table was rebuilt from scores.jsonl")
    if table is None:
        if not log_path.exists() and not gens.exists:
            raise HarnessError("not a run directory (no scores.parquet or scores.jsonl)", path=run_dir)
        log, source = read_jsonl_lenient(log_path), SCORES_LOG
        if log.unreadable:
            out_warnings.append(f"{log_path}: {log.problem()} skipped: the scores on them are lost")
        trust_gens = gens.exists and not gens.unreadable
        latest: dict[str, list[Any]] = {}
        for rec in log.records:
            cell = rec.get("cell")
            if not isinstance(cell, str):
                continue
            if not trust_gens or (cell in counts and scored_generation(rec) == counts[cell]):
                latest[cell] = rec.get("scores", [])
        if latest and not trust_gens:
            out_warnings.append(f"{run_dir / GENERATIONS} is damaged or missing: each cell's last scores line is "
                                "used, whichever generation it scored")
        table = _frame(latest)
    if gens.unreadable:
        out_warnings.append(f"{gens.path}: {gens.problem()} skipped: the reviews on them are lost")
    present = set(table["cell"].unique().to_list()) if "cell" in table.columns else set()
    orphans = sorted(present - set(counts)) if gens.records or gens.unreadable else []
    if orphans:
        shown = ", ".join(orphans[:5]) + (f" and {len(orphans) - 5} more" if len(orphans) > 5 else "")
        out_warnings.append(f"{len(orphans)} scored cell(s) have no readable generation in {gens.path} (their "
                            f"reviews are lost): {shown}")
    missing = sorted(set(counts) - present) if "cell" in table.columns else []
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        out_warnings.append(f"{len(missing)} cell(s) with a stored generation have no scores in {source} and are "
                            f"missing from the tables: {shown} (`harness rescore {run_dir}` scores them)")
    return ScoresRead(table=table, warnings=out_warnings, missing=missing)


def read_scores(run_dir: str | Path) -> pl.DataFrame:
    """scores.parquet, or the table rebuilt from scores.jsonl when the parquet is missing, stale or damaged."""
    read = read_scores_checked(run_dir)
    for w in read.warnings:
        warn(w)
    return read.table
