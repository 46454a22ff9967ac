"""Read a run directory (manifest, generations, scores) for reports, saying what could not be read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from harness.core.errors import HarnessError, warn
from harness.plugins import load_run_plugins
from harness.runner.store.jsonl import read_jsonl_lenient
from harness.runner.store.reader import read_manifest
from harness.runner.store.scores import SCORE_SCHEMA, read_scores_checked


@dataclass
class RunData:
    """Everything a report needs from one run directory."""

    run_dir: Path
    manifest: dict[str, Any]
    scores: pl.DataFrame
    generations: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what was unreadable, replaced or missing (also warned)
    missing_cells: list[str] = field(default_factory=list)  # cells with a stored generation but no scores

    @property
    def run_id(self) -> str:
        return str(self.manifest.get("run_id") or self.manifest.get("id") or self.run_dir.name)


def _run_dir(run_dir: str | Path) -> Path:
    path = Path(run_dir)
    if not path.is_dir():
        raise HarnessError("run directory not found", path=path, hint="pass results/<run-id>/")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a jsonl file; a torn (unterminated, unparsable) last line is skipped, other bad lines are errors."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
    rows: list[dict[str, Any]] = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            if i == len(lines):  # last line with no newline after it: an interrupted append
                break
            raise HarnessError(f"invalid JSON line: {exc.msg}", path=path, line=i) from None
    return rows


def read_generations(run_dir: str | Path) -> list[dict[str, Any]]:
    """generations.jsonl rows (Generation JSON plus "cell"); a cell's latest record wins, as in the runner.

    Unreadable lines (a torn last line included) are skipped; they are reported by load_run.
    """
    rows = read_jsonl_lenient(_run_dir(run_dir) / "generations.jsonl").records
    by_cell: dict[str, dict[str, Any]] = {}
    for row in rows:
        cell = row.get("cell") or f"{row.get('task_id')}|{row.get('generator')}|{row.get('seed')}"
        by_cell[cell] = row  # a resumed run appends a retried cell's new generation after the failed one
    return list(by_cell.values())


def normalize_scores(df: pl.DataFrame, path: str | Path | None = None) -> pl.DataFrame:
    """Check the score columns, cast them to the documented types and drop duplicate (cell, score) rows."""
    missing = [c for c in ("task_id", "generator", "seed", "score", "value", "status") if c not in df.columns]
    if missing:
        raise HarnessError(f"missing columns {missing}", path=path, field=missing[0])
    if "cell" not in df.columns:
        df = df.with_columns(pl.format("{}|{}|{}", "task_id", "generator", "seed").alias("cell"))
    for col in ("explanation", "details"):
        if col not in df.columns:
            df = df.with_columns(pl.lit("" if col == "explanation" else "{}").alias(col))
    df = df.select([pl.col(c).cast(t) for c, t in SCORE_SCHEMA.items()])
    bad = df.filter(~pl.col("status").is_in(["ok", "not_applicable", "error"]))
    if bad.height:
        raise HarnessError(f"unknown status {bad['status'][0]!r}", path=path, field="status")
    return df.unique(subset=["cell", "score"], keep="last", maintain_order=True)


def load_run(run_dir: str | Path) -> RunData:
    """Manifest and scores through the runner's store; generations as plain dicts (unreadable lines skipped).

    What could not be read (a damaged scores.parquet replaced by scores.jsonl, unreadable lines, cells left
    without scores, a manifest without its config) is warned about and listed in RunData.warnings.
    """
    path = _run_dir(run_dir)
    manifest = read_manifest(path)
    load_run_plugins(manifest, path / "manifest.json")  # a plug-in family's scores need its declaration
    read = read_scores_checked(path)
    notes = list(read.warnings)
    if not isinstance(manifest.get("config"), dict):
        notes.append(f"{path / 'manifest.json'} holds no run config: the report's run and generator tables "
                     "are incomplete")
    gens_file = path / "generations.jsonl"
    if not gens_file.exists() and read.table.height:
        notes.append(f"{gens_file} is missing: the reviews of every cell are lost (the report shows none)")
    elif gens_file.exists() and not gens_file.stat().st_size and read.table.height:
        notes.append(f"{gens_file} is empty: the reviews of every cell are lost (the report shows none)")
    for note in notes:
        warn(note)
    scores = normalize_scores(read.table, path / "scores.parquet")
    return RunData(run_dir=path, manifest=manifest, scores=scores, generations=read_generations(path),
                   warnings=notes, missing_cells=read.missing)
