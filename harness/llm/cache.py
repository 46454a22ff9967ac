"""The response cache: successful LLM replies in one SQLite file, under one key rule (`request_key`).

Every model call that is cached goes through here: generator calls and judge calls inside a run (RunClient),
judge calls outside one (PlainJudgeCalls: `harness score`, `harness rescore`) and judge validation. The same file
holds the whole-cell table of harness.runner.cell_cache (finished generations by cell key).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from harness.core.paths import CACHE_FILE  # the cache's file name inside a cache directory
from harness.llm.types import LLMRequest, LLMResponse

# Request fields that do not change the reply, so they stay out of the key (see request_key).
_NOT_IN_KEY = {"stage", "template", "template_hash"}
_EXTRA_NOT_IN_KEY = {"timeout", "request_timeout", "num_retries", "api_key", "max_retries", "metadata"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    stage TEXT,
    response TEXT NOT NULL,
    created REAL NOT NULL,
    last_used REAL NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS responses_last_used ON responses(last_used);
CREATE TABLE IF NOT EXISTS cells (
    key TEXT PRIMARY KEY,
    generator TEXT NOT NULL,
    generation TEXT NOT NULL,
    calls INTEGER NOT NULL,
    created REAL NOT NULL,
    last_used REAL NOT NULL
);
"""


def request_key(request: LLMRequest) -> str:
    """The cache key of a request: sha256 of the canonical JSON of every field that can change the reply.

    In the key: model, mode, messages or prompt, max_tokens, temperature, seed, stop, api_base (two servers may
    serve different models under one name) and `extra` (provider parameters) minus transport settings.
    Out of it: `stage`, `template` and `template_hash` (labels: the rendered prompt already in the key is what
    the model sees, so one prompt asked from two stages is one reply) and, in `extra`, timeouts, retry counts,
    api_key and metadata (they change how a call is made, not its reply; a key must never depend on a secret).
    Generators and judges, inside and outside a run, all use this rule, so each reuses the others' replies.
    """
    data = request.model_dump(mode="json", exclude=_NOT_IN_KEY)
    data["extra"] = {k: v for k, v in (data.get("extra") or {}).items() if k not in _EXTRA_NOT_IN_KEY}
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def cacheable(response: LLMResponse) -> bool:
    """Only real answers are cached: errors never reach here, and empty completions are not kept."""
    return bool(response.text and response.text.strip())


# One open connection per cache file and process, kept across runs: opening costs a schema check and closing the
# last connection checkpoints the WAL with an fsync (tens of ms on a busy disk, paid by every run otherwise).
_OPEN: dict[str, tuple[sqlite3.Connection, threading.Lock, int]] = {}
_OPEN_LOCK = threading.Lock()


def _connection(path: Path) -> tuple[sqlite3.Connection, threading.Lock]:
    """The process's connection to the cache file (a new one if the file was deleted or replaced meanwhile)."""
    key = str(path.resolve())
    with _OPEN_LOCK:
        held = _OPEN.get(key)
        if held is not None:
            try:
                same = path.stat().st_ino == held[2]
            except FileNotFoundError:
                same = False
            if same:
                return held[0], held[1]
            _OPEN.pop(key)
            held[0].close()
        db = sqlite3.connect(key, timeout=30, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        _OPEN[key] = (db, threading.Lock(), path.stat().st_ino)
        return db, _OPEN[key][1]


@atexit.register
def close_all() -> None:
    """Close every kept connection (at interpreter exit; tests may call it)."""
    with _OPEN_LOCK:
        for db, lock, _ in _OPEN.values():
            with lock:
                db.close()
        _OPEN.clear()


class ResponseCache:
    """A process-wide SQLite cache file (WAL mode, safe for several processes)."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db, self._lock = _connection(self.path)
        self._touched: dict[str, int] = {}

    def _flush_locked(self) -> None:
        if not self._touched:
            return
        now = time.time()
        self._db.execute("BEGIN")
        self._db.executemany("UPDATE responses SET hits=hits+?, last_used=? WHERE key=?",
                             [(n, now, k) for k, n in self._touched.items()])
        self._db.execute("COMMIT")
        self._touched.clear()

    def flush(self) -> None:
        """Write pending hit counts and last-used times (done on close, stats, prune)."""
        with self._lock:
            self._flush_locked()

    def get(self, key: str) -> LLMResponse | None:
        """The stored response for key (marked cached), or None."""
        with self._lock:
            row = self._db.execute("SELECT response FROM responses WHERE key=?", (key,)).fetchone()
            if row is None:
                return None
            self._touched[key] = self._touched.get(key, 0) + 1  # written in one batch by flush()
            if len(self._touched) >= 256:
                self._flush_locked()
        resp = LLMResponse.model_validate_json(row[0])
        return resp.model_copy(update={"cached": True})

    def put(self, key: str, request: LLMRequest, response: LLMResponse) -> bool:
        """Store a successful response; returns False (and stores nothing) when it is not cacheable."""
        if not cacheable(response):
            return False
        blob = response.model_copy(update={"cached": False}).model_dump_json()
        now = time.time()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses(key, model, stage, response, created, last_used, hits) "
                "VALUES (?, ?, ?, ?, ?, ?, 0)",
                (key, request.model, request.stage, blob, now, now),
            )
        return True

    def delete(self, key: str) -> bool:
        """Forget one entry (a reply its reader rejected, e.g. a judge reply that is no verdict)."""
        with self._lock:
            self._touched.pop(key, None)
            return self._db.execute("DELETE FROM responses WHERE key=?", (key,)).rowcount > 0

    def get_cell(self, key: str) -> tuple[str, int] | None:
        """A whole finished generation stored under its cell key (harness.runner.cell_cache): (JSON, calls)."""
        with self._lock:
            row = self._db.execute("SELECT generation, calls FROM cells WHERE key=?", (key,)).fetchone()
        return (row[0], int(row[1])) if row is not None else None

    def put_cell(self, key: str, generator: str, generation_json: str, calls: int) -> None:
        """Store a finished generation (already redacted JSON) under its cell key."""
        now = time.time()
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO cells(key, generator, generation, calls, created, last_used) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (key, generator, generation_json, calls, now, now))

    def stats(self) -> dict[str, Any]:
        """Entries, hits and size, overall and per model."""
        with self._lock:
            self._flush_locked()
            total, hits, oldest, newest = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(hits),0), MIN(created), MAX(created) FROM responses").fetchone()
            per_model = self._db.execute(
                "SELECT model, COUNT(*), COALESCE(SUM(hits),0) FROM responses GROUP BY model ORDER BY model").fetchall()
            cells = self._db.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.exists())
        return {
            "path": str(self.path),
            "entries": total,
            "cells": cells,
            "hits": hits,
            "bytes": size,
            "oldest": oldest,
            "newest": newest,
            "models": {m: {"entries": n, "hits": h} for m, n, h in per_model},
        }

    def clear(self) -> int:
        """Delete every entry; returns how many were removed."""
        with self._lock:
            self._touched.clear()
            n = self._db.execute("DELETE FROM responses").rowcount
            self._db.execute("DELETE FROM cells")  # a stored cell is only as valid as the responses behind it
        self._vacuum()
        return n

    def prune(self, older_than_s: float) -> int:
        """Delete entries not used for older_than_s seconds; returns how many were removed."""
        cutoff = time.time() - older_than_s
        with self._lock:
            self._flush_locked()
            n = self._db.execute("DELETE FROM responses WHERE last_used < ?", (cutoff,)).rowcount
            self._db.execute("DELETE FROM cells WHERE created < ?", (cutoff,))
        self._vacuum()
        return n

    def _vacuum(self) -> None:
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.execute("VACUUM")

    def close(self) -> None:
        """Write pending hit counts; the connection stays open for the next run of this process (see _OPEN)."""
        with self._lock:
            self._flush_locked()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def parse_age(text: str) -> float:
    """'30d', '12h', '15m', '90s' or plain seconds -> seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30d, 12h, 15m)")
    mult = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
    return float(m.group(1)) * mult


__all__ = ["CACHE_FILE", "ResponseCache", "cacheable", "close_all", "parse_age", "request_key"]
