"""Load and validate task files (JSON/YAML, a tasks dir, a `datasets` export); errors name file, field, line."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.models import Task
from harness.tasks.export import load_task_export
from harness.tasks.hf import load_hf_suite
from harness.tasks.validate import TASK_SUFFIXES, load_task_file, validate_task

ROLES = ("reference", "topical", "near-topic", "off-topic")


def default_tasks_dir() -> Path:
    """$HARNESS_TASKS_DIR, else the repo's tasks/ beside the harness package."""
    env = os.environ.get("HARNESS_TASKS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "tasks"


def load_suite(tasks_dir: str | Path | None = None) -> dict[str, Task]:
    """Every task file in a dir (default: default_tasks_dir()), by id, in id order; ids must be unique.
    `hf:PATH_OR_ID` loads a dataset written by `harness tasks export --format hf` instead."""
    if str(tasks_dir or "").startswith("hf:"):
        return load_hf_suite(str(tasks_dir)[3:])
    root = Path(tasks_dir) if tasks_dir is not None else default_tasks_dir()
    if not root.is_dir():
        raise HarnessError("tasks dir not found", path=root,
                           hint="build it with `python scripts/build_tasks.py` or set HARNESS_TASKS_DIR")
    files = task_files(root)
    if not files:
        raise HarnessError("no task files (*.json, *.yaml, *.yml) in tasks dir", path=root)
    suite: dict[str, Task] = {}
    origin: dict[str, Path] = {}
    for f in files:
        task = load_task_file(f)
        if task.id in suite:
            raise HarnessError(f"task id {task.id!r} is also defined in {origin[task.id]}", path=f, field="id")
        suite[task.id], origin[task.id] = task, f
    return dict(sorted(suite.items()))


def task_files(root: Path) -> list[Path]:
    """Task files directly in root, sorted by name (hidden files skipped)."""
    return sorted(p for p in root.iterdir()
                  if p.is_file() and p.suffix.lower() in TASK_SUFFIXES and not p.name.startswith("."))


def get_task(task_id: str, tasks_dir: str | Path | None = None) -> Task:
    """One task by id or by path to a task file (the one resolver behind every --task); HarnessError listing
    the known ids when unknown."""
    as_path = Path(task_id)
    if as_path.suffix.lower() in TASK_SUFFIXES and as_path.is_file():
        return load_task_file(as_path)
    if as_path.suffix.lower() in TASK_SUFFIXES or os.sep in task_id or "/" in task_id:
        raise HarnessError("task file not found", path=as_path, hint="give a task id or an existing task file")
    hf = str(tasks_dir or "").startswith("hf:")  # a `datasets` export: no per-file fast path
    root = str(tasks_dir) if hf else Path(tasks_dir) if tasks_dir is not None else default_tasks_dir()
    for suffix in () if hf else TASK_SUFFIXES:  # fast path: <id>.json holds task <id> (the builder's layout)
        candidate = root / f"{task_id}{suffix}"
        if candidate.is_file():
            task = load_task_file(candidate)
            if task.id == task_id:
                return task
    suite = load_suite(root)
    if task_id not in suite:
        raise HarnessError(f"unknown task {task_id!r}; known tasks: {', '.join(suite)}")
    return suite[task_id]


def load_task_dataset(path_or_hf_id: str | Path, split: str = "train") -> dict[str, Task]:
    """Tasks from a `datasets` source: a local JSON/JSONL export (one row per task) or a HF dataset id (online)."""
    src = Path(path_or_hf_id)
    if src.exists():  # read directly: a bad line is named by its number, and no progress bars are printed
        return load_task_export(src)
    import datasets  # heavy import: only when used

    try:
        ds = datasets.load_dataset(str(path_or_hf_id), split=split)
    except HarnessError:
        raise
    except Exception as exc:  # datasets raises many types (offline, schema, missing files)
        raise HarnessError(f"cannot load task dataset: {type(exc).__name__}: {exc}", path=str(path_or_hf_id),
                           hint="a local export is one JSON object per task (JSONL) or a JSON list") from None
    suite: dict[str, Task] = {}
    for i, row in enumerate(ds):
        task = validate_task(row, f"{path_or_hf_id}[row {i}]", None)
        if task.id in suite:
            raise HarnessError(f"task id {task.id!r} appears twice", path=f"{path_or_hf_id}[row {i}]", field="id")
        suite[task.id] = task
    return dict(sorted(suite.items()))


def task_counts(task: Task) -> dict[str, Any]:
    """Summary counts of a task (what `harness tasks list --json` prints).

    reference_papers / with_arxiv_id count the reference bibliography; with_abstract counts pool papers
    (what a generator sees); reference_with_abstract / reference_abstract_grades count bibliography papers with
    an abstract (by grade); pool counts pool papers per role; pooled_reference_ids counts the wider set.
    """
    refs = [task.paper(pid) for pid in task.reference_papers]
    pool = task.pool_papers()
    return {
        "id": task.id,
        "reference_papers": len(refs),
        "with_arxiv_id": sum(1 for p in refs if p.arxiv_id),
        "with_abstract": sum(1 for p in pool if p.abstract),
        "reference_with_abstract": sum(1 for p in refs if p.abstract),
        "reference_abstract_grades": abstract_grades(refs),
        "pool_size": len(pool),
        "pool": {r: sum(1 for i in task.pool if i.role == r) for r in ROLES},
        "papers": len(task.papers),
        "pooled_reference_ids": len(task.pooled_reference_ids),
        "target_words": [task.target_words.min, task.target_words.max] if task.target_words else None,
        "target_references": [task.target_references.min, task.target_references.max],
        "since": task.since,
        "surveybench_topic": task.surveybench_topic,
        "content_hash": task.content_hash,
    }


def abstract_grades(papers: list) -> dict[str, int]:
    """Papers with an abstract per grade (`arxiv`, `venue`; `ungraded` when the provenance does not say)."""
    out: dict[str, int] = {}
    for p in papers:
        if p.abstract:
            grade = (p.provenance or {}).get("abstract_grade") or "ungraded"
            out[grade] = out.get(grade, 0) + 1
    return dict(sorted(out.items()))
