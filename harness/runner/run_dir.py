"""A run directory opened for one session: a new run or a resumed one, its lock, its manifest and sessions."""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.cells import Cell
from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.judges.trust import record_cards, uses_in_config
from harness.models import Task
from harness.llm.calls import Counters
from harness.runner.manifest import Manifest, Session, new_manifest, utc_now
from harness.runner.store.layout import MANIFEST
from harness.runner.store.reader import load_manifest, read_usage
from harness.runner.store.writer import RunStore
from harness.runner.summary import RunSummary

log = logging.getLogger("harness.runner")

__all__ = ["MANIFEST_EVERY_S", "RunDirectory", "new_run_id"]

MANIFEST_EVERY_S = 2.0  # how often a running session refreshes the manifest's counters


def new_run_id(config: ExperimentConfig) -> str:
    """UTC timestamp + short config hash."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{config.config_hash()[:8]}"


def _new_run_path(config: ExperimentConfig) -> Path:
    """output_dir/<run id>, suffixed -2, -3 ... when two runs of one config start within a second."""
    base_id = new_run_id(config)
    path, n = Path(config.execution.output_dir) / base_id, 1
    while path.exists():
        n += 1
        path = Path(config.execution.output_dir) / f"{base_id}-{n}"
    return path


def _resumable(path: Path, config: ExperimentConfig, resume: bool) -> Manifest:
    """The manifest of the run a session continues; HarnessError unless resume is asked for and the config matches."""
    if not resume:
        raise HarnessError("run directory already holds a run; pass resume=True (or --resume) to continue it",
                           path=path)
    manifest = load_manifest(path)
    if manifest.config_hash != config.config_hash():
        raise HarnessError("run directory was made by a different config (config_hash differs); "
                           "start a new run or resume with the run's own config", path=path, field="config_hash")
    return manifest


def task_changes(manifest: Manifest, tasks: dict[str, Task]) -> list[tuple[str, str, str]]:
    """(task id, hash recorded by the run, hash now) for every task of the run whose content changed."""
    out = []
    for tid, rec in manifest.tasks.items():
        old = rec.get("content_hash") if isinstance(rec, dict) else None
        task = tasks.get(tid)
        if not old or task is None:
            continue
        new = task.content_hash or task.compute_hash()
        if new != old:
            out.append((tid, old, new))
    return out


class RunDirectory:
    """One session's hold on a run directory: the store (and its lock), the manifest and this session's record.

    `open` starts a new run or resumes one; earlier sessions' counters are recounted from usage.jsonl (a killed
    session never wrote its own); `refresh` rewrites the manifest every MANIFEST_EVERY_S, `finish` at the end.
    """

    def __init__(self, path: Path, manifest: Manifest, store: RunStore):
        self.path, self.manifest, self.store = path, manifest, store
        self.prior_spend_usd = self._recount_sessions()
        self.manifest.sessions.append(Session(started=utc_now(), pid=os.getpid()))
        self.session_index = len(self.manifest.sessions) - 1
        self.manifest.status = "running"
        self.store.write_manifest(self.manifest)
        self._last_write = time.monotonic()

    @classmethod
    def open(cls, config: ExperimentConfig, tasks: dict[str, Task], cells: list[Cell],
             run_dir: str | Path | None = None, resume: bool = True, allow_task_change: bool = False
             ) -> RunDirectory:
        """A new run under execution.output_dir (run_dir None or empty), or the run in run_dir resumed (refused
        when a task's content changed since the run began, unless allow_task_change: then recorded)."""
        path = _new_run_path(config) if run_dir is None else Path(run_dir)
        manifest = _resumable(path, config, resume) if (path / MANIFEST).exists() else None
        changes = task_changes(manifest, tasks) if manifest is not None else []
        if changes and not allow_task_change:
            tid, old, new = changes[0]
            raise HarnessError(f"task {tid!r} changed since the run began (content hash {old} then, {new} now): "
                               "resuming would mix task versions", path=path / MANIFEST, field=f"tasks.{tid}",
                               hint="restore the task file, start a new run, or pass --allow-task-change")
        store = RunStore(path)  # takes the directory's lock
        if manifest is None:
            manifest = new_manifest(config, path.name, {t: tasks[t] for t in config.tasks}, cells)
            manifest.judge_cards = record_cards(path, uses_in_config(config))  # each judge's card, beside the run
        rd = cls(path, manifest, store)
        rd._record_task_changes(changes)
        return rd

    def _record_task_changes(self, changes: list[tuple[str, str, str]]) -> None:
        """Each allowed task change in the manifest: old and new hash, this session, and the cells stored with the
        old version (the mixed cells the report lists); the task's hash becomes the new one."""
        if not changes:
            return
        done = self.store.completed_cells()  # failed cells run again, with the new version
        recorded = list(getattr(self.manifest, "task_changes", None) or [])
        for tid, old, new in changes:
            old_cells = sorted(c.key for c in done if c.task_id == tid)
            log.warning("task %s changed since the run began (%s -> %s); %d stored cells keep the old version: %s",
                        tid, old, new, len(old_cells), ", ".join(old_cells) or "none")
            recorded.append({"task": tid, "old_hash": old, "new_hash": new, "session": self.session_index,
                             "old_version_cells": old_cells})
            self.manifest.tasks[tid] = {**self.manifest.tasks.get(tid, {}), "content_hash": new}
        self.manifest.task_changes = recorded  # type: ignore[attr-defined]  (extra="allow")
        self.store.write_manifest(self.manifest)

    @property
    def run_id(self) -> str:
        return self.manifest.run_id or self.path.name

    @property
    def session(self) -> Session:
        return self.manifest.sessions[self.session_index]

    def record_usage(self, delta: dict[str, Any]) -> None:
        """One provider call's counter deltas, appended to usage.jsonl under this session."""
        self.store.append_usage(self.session_index, delta)

    def refresh(self, counters: dict[str, Any]) -> None:
        """Rewrite the manifest with this session's live counters, at most every MANIFEST_EVERY_S."""
        if time.monotonic() - self._last_write < MANIFEST_EVERY_S:
            return
        self._last_write = time.monotonic()
        self.session.counters = counters
        self.manifest.sum_sessions()
        self.store.flush()
        self.store.write_manifest(self.manifest)

    def finish(self, summary: RunSummary) -> None:
        """Close the store (buffered lines reach the disk first), then write the manifest's final record."""
        self.store.close()  # buffered usage and scores lines reach the disk before the manifest that sums them
        session = self.session
        session.ended, session.counters = utc_now(), summary.counters
        session.status, session.wall_s = summary.status, round(summary.wall_s, 3)
        m = self.manifest
        m.sum_sessions()
        m.last_session_counters, m.status, m.ended = summary.counters, summary.status, session.ended
        m.cells_done, m.budget_exhausted = summary.cells_done, summary.budget_exhausted
        self.store.write_manifest(m)

    def _recount_sessions(self) -> float:
        """Fill earlier sessions' counters from usage.jsonl; return the spend of the sessions before this one."""
        usage = read_usage(self.path)
        for i, s in enumerate(self.manifest.sessions):
            if i in usage:
                c = Counters()
                c.add(usage[i])
                s.counters = c.as_dict()
            if s.ended is None and s.status is None:
                s.status = "killed (no end recorded)"
        self.manifest.sum_sessions()
        return float(self.manifest.counters.get("spend_usd", 0.0))
