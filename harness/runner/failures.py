"""Failed cells grouped by cause: the run's closing summary, `harness run`'s exit code and the report's banner."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel

from harness.cells import Cell
from harness.core.errors import HarnessError, warn
from harness.runner.store.jsonl import iter_jsonl
from harness.runner.store.layout import ERRORS
from harness.runner.store.reader import generation_state, load_manifest

_VOLATILE = [
    (re.compile(r"\s*\[gave up after \d+ attempts?\]"), ""),
    (re.compile(r"https?://127\.0\.0\.1:\d+\S*"), "http://127.0.0.1:<port>"),
    (re.compile(r"\b\d+(\.\d+)?\s*s\b"), "<n>s"),
    (re.compile(r"\s+"), " "),
]

_DIED = re.compile(r"server died \([^)]*\)")
_KIND = re.compile(r"^(rate_limit|server|timeout|connection|bad_response|auth|bad_request|other)( \d{3})? from \S+: ")


NO_RECORD = "failed (no error record)"


class FailureGroup(BaseModel):
    """Cells of one model (or generator) that failed for one cause (cells: their keys as run files write them)."""

    model: str
    cause: str
    count: int
    generators: list[str]
    cells: list[str]


def cause_of(record: dict[str, Any]) -> str:
    """The words a failure is grouped by: the recorded `cause` if any, else its error text without volatile parts."""
    cause = record.get("cause")
    if cause:
        return str(cause)
    text = str(record.get("error") or "unknown error")
    died = _DIED.search(text)
    if died:
        return died.group(0)
    kind = _KIND.match(text)  # a ProviderError: "<kind>[ status] from <model>: <message>"
    if kind:
        text = f"{kind.group(1)}: {text[kind.end():]}"
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    return text.strip()[:160]


def latest_failures(errors: Iterable[dict[str, Any]], failed_cells: set[str]) -> dict[str, dict[str, Any]]:
    """The last error record of each cell that is still failed (a cell retried to success is not a failure)."""
    out: dict[str, dict[str, Any]] = {}
    for rec in errors:
        cell = rec.get("cell")
        if isinstance(cell, str) and cell in failed_cells:
            out[cell] = rec
    for cell in failed_cells - set(out):
        out[cell] = {"cell": cell, "error": NO_RECORD}
    return out


def generator_of(key: str) -> str:
    """The generator a failed cell's key names ('?' for a key that names no cell)."""
    try:
        return Cell.parse(key).generator
    except HarnessError:
        return "?"


def group_failures(failures: dict[str, dict[str, Any]], models: dict[str, str] | None = None) -> list[FailureGroup]:
    """Group failed cells by (model, cause), largest group first; models maps generator name -> model string."""
    models = models or {}
    groups: dict[tuple[str, str], list[str]] = {}
    for cell, rec in failures.items():
        gen = generator_of(cell)
        key = (str(rec.get("model") or models.get(gen) or gen), cause_of(rec))
        groups.setdefault(key, []).append(cell)
    out = []
    for (model, cause), cells in groups.items():
        gens = sorted(Counter(g for g in map(generator_of, cells) if g != "?"))
        out.append(FailureGroup(model=model, cause=cause, count=len(cells), generators=gens, cells=sorted(cells)))
    return sorted(out, key=lambda g: (-g.count, g.model, g.cause))


def summary_line(groups: list[FailureGroup]) -> str:
    """'24 cells failed: local/gemma-3-270m: server died (SIGILL) x24; ...' (empty when nothing failed)."""
    total = sum(g.count for g in groups)
    if not total:
        return ""
    parts = "; ".join(f"{g.model}: {g.cause} x{g.count}" for g in groups)
    return f"{total} cell{'s' if total != 1 else ''} failed: {parts}"


def run_failures(run_dir: str | Path) -> list[FailureGroup]:
    """The failure groups of a run directory, read from its generations, errors and manifest."""
    run_dir = Path(run_dir)
    failed = {c for c, ok in generation_state(run_dir)[1].items() if not ok}
    if not failed:
        return []
    models: dict[str, str] = {}
    try:
        for g in (load_manifest(run_dir).config or {}).get("generators") or []:
            if isinstance(g, dict) and g.get("name"):
                models[g["name"]] = g.get("model") or g["name"]
    except Exception:  # noqa: BLE001 — a damaged manifest only costs the model names
        pass
    failures = latest_failures(iter_jsonl(run_dir / ERRORS), failed)
    unrecorded = sum(1 for rec in failures.values() if rec.get("error") == NO_RECORD)
    if unrecorded:
        warn(f"{run_dir / ERRORS}: no error record for {unrecorded} failed cell(s); their cause is unknown "
             "(the file was cut short or removed)")
    return group_failures(failures, models)


__all__ = ["FailureGroup", "cause_of", "generator_of", "group_failures", "latest_failures", "run_failures",
           "summary_line"]
