"""Readers of a run directory for reports, rescore and resume: manifest, run config, generations, usage, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator

from pydantic import ValidationError

from harness.cells import Cell
from harness.core.errors import HarnessError, pydantic_errors
from harness.generators.base import Generation
from harness.runner.manifest import Manifest, parse_manifest
from harness.runner.store.jsonl import iter_jsonl, read_jsonl_lenient
from harness.runner.store.layout import ERRORS, GENERATIONS, HINTS, MANIFEST, SCORES_LOG, USAGE

__all__ = ["cells_of", "generation_counts", "generation_ok", "generation_state", "latest_scored_generation",
           "load_manifest", "read_errors", "read_generations", "read_manifest", "read_run_config", "read_usage",
           "scored_generation"]


def cells_of(keys: Iterable[str]) -> Iterator[Cell]:
    """The cells named by on-disk keys; a key that names no cell (a damaged line) names none."""
    for key in keys:
        try:
            yield Cell.parse(key)
        except HarnessError:
            continue


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """The run's manifest as a dict: `Manifest.as_dict()` of load_manifest (every field present, earlier formats
    migrated, unknown keys kept); reports and tools read it by key."""
    return load_manifest(run_dir).as_dict()


def load_manifest(run_dir: str | Path) -> Manifest:
    """The run's manifest.json as a Manifest; HarnessError naming the file (and field) when it is damaged."""
    p = Path(run_dir) / MANIFEST
    if not p.exists():
        raise HarnessError("not a run directory (no manifest.json)", path=run_dir)
    try:
        data = json.loads(p.read_bytes())
    except json.JSONDecodeError as exc:
        raise HarnessError(f"corrupt manifest: {exc.msg}", path=p, line=exc.lineno,
                           hint="restore manifest.json from a backup") from None
    except (ValueError, RecursionError):
        raise HarnessError("corrupt manifest: not readable JSON text", path=p,
                           hint="restore manifest.json from a backup") from None
    return parse_manifest(data, p)


def read_run_config(run_dir: str | Path) -> dict[str, Any]:
    """The resolved experiment config a run's manifest holds (what rescore and --resume run with)."""
    config = load_manifest(run_dir).config
    if not isinstance(config, dict):
        raise HarnessError("the manifest holds no run config", path=Path(run_dir) / MANIFEST, field="config",
                           hint="restore manifest.json from a backup; without it the run cannot be rescored or "
                                "resumed")
    return config


def read_generations(run_dir: str | Path) -> dict[Cell, Generation]:
    """cell -> Generation for every complete line (the last line of a cell wins: a resume retries failed cells)."""
    out: dict[Cell, Generation] = {}
    path = Path(run_dir) / GENERATIONS
    read = read_jsonl_lenient(path)
    bad = [n for n in read.unreadable if not (read.torn and n == read.unreadable[-1])]
    if bad:
        raise HarnessError("unreadable line", path=path, line=bad[0], hint=HINTS[GENERATIONS])
    for n, rec in zip(read.lines, read.records):
        key = rec.pop("cell", None)
        if key is None:
            continue
        try:
            cell = Cell.parse(key)
        except HarnessError as exc:
            raise HarnessError(exc.message, path=path, line=n, field="cell", hint=HINTS[GENERATIONS]) from None
        try:
            out[cell] = Generation.model_validate(rec)
        except ValidationError as exc:
            err = pydantic_errors(exc, path)
            raise HarnessError(f"not a stored generation: {err.message}", path=path, line=n, field=err.field,
                               hint=HINTS[GENERATIONS]) from None
    return out


def generation_counts(run_dir: str | Path) -> dict[str, int]:
    """cell key -> number of generation lines (the latest one is the cell's result)."""
    return generation_state(run_dir)[0]


def generation_state(run_dir: str | Path) -> tuple[dict[str, int], dict[str, bool]]:
    """(cell key -> number of generation lines, cell key -> whether its latest line holds a review and no error)."""
    counts: dict[str, int] = {}
    ok: dict[str, bool] = {}
    for rec in iter_jsonl(Path(run_dir) / GENERATIONS):
        if isinstance(rec.get("cell"), str):
            counts[rec["cell"]] = counts.get(rec["cell"], 0) + 1
            ok[rec["cell"]] = generation_ok(rec)
    return counts, ok


def generation_ok(rec: dict[str, Any]) -> bool:
    """Whether a generations line holds a result: a review and no error (a failed cell is retried on resume)."""
    return rec.get("error") is None and rec.get("review") is not None


def scored_generation(rec: dict[str, Any]) -> Any:
    """The generation number a scores line scores: its "gen"; lines written before "gen" existed (runs before
    commit 83f3cf0, which never retried a cell) score generation 1."""
    return rec.get("gen", 1)


def latest_scored_generation(run_dir: Path) -> dict[str, int]:
    """cell key -> the generation number its last scores line scored."""
    return {rec["cell"]: scored_generation(rec) for rec in iter_jsonl(run_dir / SCORES_LOG) if "cell" in rec}


def read_usage(run_dir: str | Path) -> dict[int, dict[str, float]]:
    """session index -> summed usage counters from usage.jsonl (empty for runs made before it existed)."""
    out: dict[int, dict[str, float]] = {}
    path = Path(run_dir) / USAGE
    for rec in iter_jsonl(path):
        session = rec.get("session", 0)
        if not isinstance(session, int):
            raise HarnessError(f"session is {session!r}, not a number", path=path, field="session",
                               hint=HINTS[USAGE])
        tot = out.setdefault(session, {})
        for k, v in rec.items():
            if k != "session" and isinstance(v, (int, float)):
                tot[k] = tot.get(k, 0) + v
    return out


def read_errors(run_dir: str | Path) -> list[dict[str, Any]]:
    """The records of errors.jsonl (why cells failed), in order."""
    return list(iter_jsonl(Path(run_dir) / ERRORS))
