"""The run directory's one writer: atomic manifest, fsynced append-only JSONL (group-committed), scores.parquet."""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl

from harness.cells import Cell
from harness.core.secrets import _forms, env_secrets, known_secrets, redact_text, secret_values
from harness.core.errors import HarnessError, warn
from harness.core.fileio import atomic_write, open_temp, remove_stale_temps
from harness.generators.base import Generation
from harness.models import Score
from harness.runner.manifest import Manifest
from harness.runner.store.jsonl import read_jsonl_lenient, repair_jsonl
from harness.runner.store.layout import ERRORS, GENERATIONS, MANIFEST, SCORES, SCORES_LOG, USAGE
from harness.runner.store.reader import cells_of, generation_state, latest_scored_generation
from harness.runner.store.scores import scores_frame

__all__ = ["RunStore", "may_hold_secrets"]


def may_hold_secrets(manifest: dict[str, Any]) -> bool:
    """True when a manifest's config had secret-named fields or credentials in a URL (redaction is best effort)."""
    config = manifest.get("config")
    if not isinstance(config, dict):
        return False
    if secret_values(config) or "***" in json.dumps(config, default=str):
        return True
    return bool(re.search(r"https?://[^/\s\"]*@|[?&](?:key|token|api_key|access_token)=", json.dumps(config,
                                                                                                     default=str)))


def _has_result(generation: Generation) -> bool:
    """What reader.generation_ok reads back from the generation's line: a review and no error."""
    return generation.error is None and generation.review is not None


def _lock_run_dir(run_dir: Path) -> int:
    """Hold an exclusive lock on run_dir/.lock (released on close or process death, SIGKILL included)."""
    import fcntl

    fd = os.open(run_dir / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise HarnessError("the run directory is in use by another harness process (run, resume or rescore)",
                           path=run_dir, hint="wait for it to finish, or stop it, then try again") from None
    return fd


class RunStore:
    """Files of one run directory; appends are flushed and fsynced per record."""

    def __init__(self, run_dir: str | Path):
        self.dir = Path(run_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._env_secrets = env_secrets()  # read once (walking os.environ per line is slow); config keys stay live
        self._locks = {name: threading.Lock() for name in (GENERATIONS, SCORES_LOG, ERRORS, USAGE)}
        self._fds: dict[str, int] = {}
        self._fd_lock = threading.Lock()
        self._buffers: dict[str, list[bytes]] = {SCORES_LOG: [], USAGE: []}
        self._buf_lock = threading.Lock()
        self._pending: list[tuple[bytes, asyncio.Future, bool]] = []
        self._committer: asyncio.Task | None = None
        self._lock_fd: int | None = _lock_run_dir(self.dir)  # before repair: never cut another writer's line
        remove_stale_temps(self.dir)  # a killed session's half-written replacement files; the originals are whole
        for name in (GENERATIONS, SCORES_LOG, ERRORS, USAGE):
            repair_jsonl(self.dir / name)
        # cell key -> generation lines (a resume appends a new one), and whether the latest holds a result; kept
        # current by this store's appends (it holds the directory's lock: no other writer)
        self._attempts, self._ok = generation_state(self.dir)
        scored = {r.get("cell") for r in read_jsonl_lenient(self.path(SCORES_LOG)).records}  # rescore repairs it
        orphans = sorted(c for c in scored if isinstance(c, str) and c not in self._attempts)
        if orphans:
            warn(f"{self.path(SCORES_LOG)} scores {len(orphans)} cell(s) that {GENERATIONS} does not hold (their "
                 f"reviews are lost): {', '.join(orphans[:5])}{' ...' if len(orphans) > 5 else ''}")

    def path(self, name: str) -> Path:
        return self.dir / name

    # ----- writes ---------------------------------------------------------------------------------

    def write_manifest(self, manifest: Manifest | dict[str, Any]) -> None:
        """manifest.json, replaced atomically (private when its config may hold a secret)."""
        obj = manifest.as_dict() if isinstance(manifest, Manifest) else manifest
        data = json.dumps(obj, indent=2, ensure_ascii=False, default=str).encode()
        atomic_write(self.path(MANIFEST), data, private=may_hold_secrets(obj))

    def _line(self, record: dict[str, Any]) -> bytes:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        # registered config secrets and env keys are never written
        return (redact_text(text, known_secrets(self._env_secrets)) + "\n").encode()

    def _append(self, name: str, record: dict[str, Any], sync: bool = True) -> None:
        self._write(name, self._line(record), sync)

    def _fd(self, name: str) -> int:
        """The file's append descriptor, opened once per store (an open + close per line costs ms on slow disks)."""
        with self._fd_lock:
            fd = self._fds.get(name)
            if fd is None:
                fd = self._fds[name] = os.open(self.path(name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            return fd

    def _write(self, name: str, data: bytes, sync: bool = True) -> None:
        fd = self._fd(name)
        with self._locks[name]:  # appends come from the event loop and from worker threads
            view = memoryview(data)
            while view:  # a kill leaves the whole line or a torn tail (cut on the next open), never a mix
                view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)  # outside the lock: concurrent appends share one disk flush

    def _buffer(self, name: str, line: bytes) -> None:
        with self._buf_lock:
            self._buffers[name].append(line)

    def flush(self) -> None:
        """Write buffered usage and scores lines (called before every generations write, and at the end)."""
        with self._buf_lock:
            batches = {name: b"".join(lines) for name, lines in self._buffers.items() if lines}
            for lines in self._buffers.values():
                lines.clear()
        for name in (USAGE, SCORES_LOG):  # usage first: it must never trail the generations it paid for
            if name in batches:
                self._write(name, batches[name], sync=False)

    def close(self) -> None:
        """Flush buffers and close the append descriptors (the store reopens them if used again)."""
        self.flush()
        with self._fd_lock:
            fds, self._fds = self._fds, {}
        for fd in fds.values():
            os.close(fd)
        lock_fd, self._lock_fd = getattr(self, "_lock_fd", None), None
        if lock_fd is not None:
            os.close(lock_fd)  # releases the run-directory lock

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def append_generation(self, cell: Cell, generation: Generation) -> None:
        """One self-contained line: the Generation plus its cell key (written and fsynced before returning)."""
        self._attempts[cell.key] = self._attempts.get(cell.key, 0) + 1
        self._ok[cell.key] = _has_result(generation)
        self.flush()
        self._append(GENERATIONS, {"cell": cell.key, **generation.model_dump(mode="json")})

    async def append_generation_async(self, cell: Cell, generation: Generation) -> bytes:
        """As append_generation, but lines of concurrent cells share one write + fsync (group commit).

        Returns the line written (the whole-cell cache keeps it, so the Generation is serialised once).
        """
        data = self._line({"cell": cell.key, **generation.model_dump(mode="json")})
        await self._enqueue_generation(cell, data, ok=_has_result(generation))
        return data

    async def append_generation_line_async(self, cell: Cell, line: str) -> None:
        """Append a generations line written before for this cell (a reused cell: no pydantic round trip).

        Not fsynced on its own: the line is a copy of what the cache already holds durably (a lost line is served
        again from the cache on resume); it shares a flush when a paid-for line is in the same batch.
        """
        text = line.rstrip("\n")
        secrets = known_secrets(self._env_secrets)
        # The line was redacted when first written; only a secret registered since could be in it.
        if any(form in text for s in secrets for form in _forms(s)):
            text = redact_text(text, secrets)
        await self._enqueue_generation(cell, (text + "\n").encode(), sync=False, ok=True)  # only results are kept

    async def _enqueue_generation(self, cell: Cell, data: bytes, sync: bool = True, *, ok: bool) -> None:
        self._attempts[cell.key] = self._attempts.get(cell.key, 0) + 1
        self._ok[cell.key] = ok
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._pending.append((data, fut, sync))
        if self._committer is None or self._committer.done():
            self._committer = loop.create_task(self._commit_loop())
        await fut

    async def _commit_loop(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            data, sync = b"".join(d for d, _, _ in batch), any(s for _, _, s in batch)
            try:
                if sync:  # an fsync waits on the disk: off the loop
                    await asyncio.to_thread(self._commit, data, sync)
                else:  # a write to the page cache takes microseconds: a thread hop would cost more
                    self._commit(data, sync)
            except BaseException as exc:  # noqa: BLE001 - every waiting cell sees the failure
                for _, f, _ in batch:
                    if not f.done():
                        f.set_exception(exc)
                continue
            for _, f, _ in batch:
                if not f.done():
                    f.set_result(None)

    def _commit(self, data: bytes, sync: bool = True) -> None:
        self.flush()
        self._write(GENERATIONS, data, sync)

    def append_scores(self, cell: Cell, scores: list[Score]) -> None:
        """One line per scored cell, tagged with the generation it scores ("gen": the cell's latest line number).

        The last line of a cell's latest generation wins when the table is materialised. Not fsynced: scores are
        recomputable, and a resume re-scores any latest generation without a line here. Buffered until the next
        generations write, flush() or close().
        """
        self._buffer(SCORES_LOG, self._line({"cell": cell.key, "gen": self._attempts.get(cell.key, 0), "time": time.time(),
                                             "scores": [s.model_dump(mode="json") for s in scores]}))

    def append_usage(self, session: int, usage: dict[str, Any]) -> None:
        """One line per provider call outcome or cache hit (counter deltas), so a killed session's usage survives.

        Buffered and written, not fsynced, before the next generations write (a SIGKILL keeps written lines: the
        page cache survives the process), so the usage of every stored generation is on disk before it.
        """
        self._buffer(USAGE, self._line({"session": session, **usage}))

    def append_error(self, cell: Cell, error: str, **extra: Any) -> None:
        self._append(ERRORS, {"cell": cell.key, "time": time.time(), "error": error, **extra})

    def rewrite_scores_log(self, entries: dict[Cell, list[Score]]) -> None:
        """Replace scores.jsonl atomically (rescore)."""
        now = time.time()
        lines = [json.dumps({"cell": c.key, "gen": self._attempts.get(c.key, 0), "time": now,
                             "scores": [s.model_dump(mode="json") for s in ss]},
                            ensure_ascii=False, separators=(",", ":")) for c, ss in entries.items()]
        self.close()  # the open append descriptor would keep writing to the replaced file
        atomic_write(self.path(SCORES_LOG),
                     redact_text("".join(line + "\n" for line in lines), known_secrets(self._env_secrets)).encode())

    def materialize_scores(self) -> pl.DataFrame:
        """Build scores.parquet from the complete cells (one row per cell x score) and write it atomically."""
        self.flush()
        df = scores_frame(self.dir, counts=dict(self._attempts))
        fd, tmp = open_temp(self.path(SCORES))
        os.close(fd)
        try:
            df.write_parquet(tmp)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.path(SCORES))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return df

    # ----- reads ----------------------------------------------------------------------------------

    def generation_number(self, cell: Cell) -> int:
        """How many generation lines the cell has (0: never generated); scores lines name the one they score."""
        return self._attempts.get(cell.key, 0)

    def completed_cells(self) -> set[Cell]:
        """Cells whose latest generation holds a review and no error (a failed cell is retried on resume)."""
        return set(cells_of(key for key, ok in self._ok.items() if ok))

    def has_failed_cells(self) -> bool:
        """Whether some cell's latest generation failed (else a run's failure summary need not read its files)."""
        return not all(self._ok.values())

    def scored_cells(self) -> set[Cell]:
        """Cells whose latest generation has a scores line."""
        return set(cells_of(key for key, gen in latest_scored_generation(self.dir).items() if gen == self._attempts.get(key)))
