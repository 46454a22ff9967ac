"""The scorers' context: every input a scorer reads beyond the review and the task, passed in explicitly."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from harness.core.errors import HarnessError
from harness.models import Paper, Task
from harness.papers.index import env_paper_files, known_index
from harness.papers.resolve import PaperIndex
from harness.tasks.shipped import Pool, off_topic_pools
from harness.tasks.shipped import data_dir as shared_data_dir
from harness.tasks.suite import default_tasks_dir, load_suite


@dataclass(frozen=True)
class ScoringSuite:
    """The data scoring reads beside the scored task, named explicitly: a tasks dir (its tasks: relevance's
    contrast topics and the generic calibration; their papers: the known-paper index), paper files added to the
    index, and the shared data dir (its off-topic pools: relevance's negatives). Empty (the default): none of
    them. Picklable (names only), so an executor's workers load the same data once per process."""

    tasks_dir: str | None = None
    paper_files: tuple[str, ...] = ()
    data_dir: str | None = None

    @classmethod
    def from_env(cls, tasks_dir: str | Path | None = None) -> ScoringSuite:
        """The edge's inputs: tasks_dir (None: the default tasks dir), the files HARNESS_PAPER_FILES names and
        the shared data dir ($HARNESS_DATA_DIR, else ../shared/data)."""
        root = str(tasks_dir) if tasks_dir is not None else str(default_tasks_dir())
        return cls(root, tuple(env_paper_files()), str(shared_data_dir()))

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

    def pools(self) -> tuple[Pool, ...]:
        """The shipped off-topic pools of the data dir; HarnessError when there is none or it lacks them."""
        if self.data_dir is None:
            raise HarnessError("no off-topic pools: the scoring context names no data dir",
                               hint="build the context's suite with ScoringSuite.from_env()")
        return _pools(self.data_dir)

    def pool_hashes(self) -> dict[str, str]:
        """Pool file name -> sha256 ({} when the pools cannot be loaded)."""
        try:
            return {p.path.name: p.sha256 for p in self.pools()}
        except HarnessError:
            return {}

    def fingerprint(self) -> dict[str, object]:
        """What a run's manifest records of these inputs: the suite's task content hashes, the files' and
        pools' sha256."""
        try:
            tasks = {tid: t.content_hash or t.compute_hash() for tid, t in self.tasks().items()}
        except HarnessError as exc:
            tasks = {"error": exc.message}
        files = [{"path": f, "sha256": _sha256(f)} for f in self.paper_files]
        return {"tasks_dir": self.tasks_dir, "suite": tasks, "paper_files": files, "data_dir": self.data_dir,
                "off_topic_pools": self.pool_hashes()}


def _sha256(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


@functools.lru_cache(maxsize=8)
def _suite(tasks_dir: str) -> dict[str, Task]:
    return load_suite(tasks_dir)


@functools.lru_cache(maxsize=8)
def _pools(data_dir: str) -> tuple[Pool, ...]:
    return tuple(off_topic_pools(Path(data_dir)))


@functools.lru_cache(maxsize=8)
def _known(tasks_dir: str | None, files: tuple[str, ...]) -> PaperIndex:
    papers: list[Paper] = []
    if tasks_dir is not None:
        try:
            papers = [p for t in _suite(tasks_dir).values() for p in t.papers]
        except HarnessError:  # no suite: the index holds the files' papers only
            papers = []
    return known_index(papers, files)


def _default_embedder():
    from harness.embeddings.encoder import get_embedder

    return get_embedder()


@dataclass
class ScoringContext:
    """What scorers may need beyond the review and task: models, judge settings, threshold overrides, and the
    suite read beside the task (the known-paper index, relevance's contrast topics), each passed in explicitly."""

    embedder: Callable[[], Any] = _default_embedder
    judge_model: str | None = None
    judge_api_base: str | None = None
    judge_repeats: int = 1  # judge family: asks per aspect, the median rating counts
    judge_cache_dir: Path = field(default_factory=lambda: Path(".cache") / "judge")
    thresholds: dict[str, float] = field(default_factory=dict)  # overrides: "relevance", "support"
    extra_metrics: list[str] = field(default_factory=list)  # local `evaluate` metric dirs for overlap.extra.*
    api_base: str | None = None  # the generator's API base (a localhost base means a free local model)
    verify_online: bool = False  # look identified/unidentified references up online (harness.papers.verify); off by default
    verify_cache_dir: Path = field(default_factory=lambda: Path(".cache"))
    fetch_abstracts: bool = False  # fetch cited papers' missing abstracts online (harness.papers.abstract_fetch); off by default
    support: Any = None  # scorers.support: method similarity | nli | llm, model, repeats (None = similarity)
    relevance: Any = None  # scorers.relevance: method (harness.scorers.judge_methods), model (None = the default)
    relevance_embedder: Callable[[], Any] | None = None  # the `neighbours` method's encoder (None = multilingual USE)
    support_also: list[Any] = field(default_factory=list)  # extra support methods scored beside (names .<method>)
    judge_calls: Any = None  # JudgeCalls for LLM judges (the runner's bridge); None = plain cached litellm
    generator_model: str | None = None  # the model under test (a judge of its family is flagged)
    suite: ScoringSuite = field(default_factory=ScoringSuite)  # the suite and known-paper index (empty: none)


__all__ = ["ScoringContext", "ScoringSuite"]
