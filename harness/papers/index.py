"""The known-paper index: every paper of every task of a suite, plus paper files a user adds.

A reference that resolves here but not to the scored task is `known` (`harness.papers.refclass`). What the index
is built from is named explicitly by a `ScoringSuite` (a tasks dir and paper files) that the edge (runner, CLI)
makes from a config's `tasks_dir` and `HARNESS_PAPER_FILES` (read there, by `ScoringSuite.from_env`) and passes
to scoring in its context; nothing here reads a default. Paper files are JSON (a list of papers, or
{"papers": [...]}) or JSON lines, read strictly by `harness.papers.records.load_paper_file`. Loaded once per
process and inputs.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import HarnessError
from harness.models import Paper, Task
from harness.papers.records import load_paper_file
from harness.papers.resolve import PaperIndex
from harness.tasks.suite import default_tasks_dir, load_suite


def env_paper_files() -> list[str]:
    """Paper files named by HARNESS_PAPER_FILES (paths joined by the OS path separator)."""
    return [f for f in os.environ.get("HARNESS_PAPER_FILES", "").split(os.pathsep) if f.strip()]


@dataclass(frozen=True)
class ScoringSuite:
    """The suite scoring reads beside the scored task, named explicitly: a tasks dir (its tasks: relevance's
    contrast topics and the generic calibration; their papers: the known-paper index) and paper files added to
    the index. Empty (the default): no suite, no known index. Picklable (names only), so an executor's workers
    load the same data once per process."""

    tasks_dir: str | None = None
    paper_files: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, tasks_dir: str | Path | None = None) -> ScoringSuite:
        """The edge's inputs: tasks_dir (None: the default tasks dir) and the files HARNESS_PAPER_FILES names."""
        root = str(tasks_dir) if tasks_dir is not None else str(default_tasks_dir())
        return cls(root, tuple(env_paper_files()))

    def tasks(self, missing_ok: bool = False) -> dict[str, Task]:
        """The suite's tasks by id ({} when there is none); HarnessError when the tasks dir cannot be loaded,
        unless missing_ok (then {}: no contrast topics, too little data for the generic rule, which says so)."""
        if self.tasks_dir is None:
            return {}
        try:
            return _suite(self.tasks_dir)
        except HarnessError:
            if missing_ok:
                return {}
            raise

    def known(self) -> PaperIndex | None:
        """The known-paper index (None for an empty ScoringSuite); a missing suite adds no papers."""
        if self.tasks_dir is None and not self.paper_files:
            return None
        return _known(self.tasks_dir, self.paper_files)

    def fingerprint(self) -> dict[str, object]:
        """What a run's manifest records of these inputs: the suite's task content hashes, the files' sha256."""
        try:
            tasks = {tid: t.content_hash or t.compute_hash() for tid, t in self.tasks().items()}
        except HarnessError as exc:
            tasks = {"error": exc.message}
        files = [{"path": f, "sha256": _sha256(f)} for f in self.paper_files]
        return {"tasks_dir": self.tasks_dir, "suite": tasks, "paper_files": files}


def _sha256(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


@functools.lru_cache(maxsize=8)
def _suite(tasks_dir: str) -> dict[str, Task]:
    return load_suite(tasks_dir)


@functools.lru_cache(maxsize=8)
def _known(tasks_dir: str | None, files: tuple[str, ...]) -> PaperIndex:
    papers: list[Paper] = []
    if tasks_dir is not None:
        try:
            papers = [p for t in _suite(tasks_dir).values() for p in t.papers]
        except HarnessError:  # no suite: the index holds the files' papers only
            papers = []
    for f in files:
        papers += load_paper_file(f)
    return PaperIndex(papers)
