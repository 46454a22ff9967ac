"""On-disk embedding cache: float32 vectors in SQLite keyed by (model id, text hash), shared by runs and processes.

The model id names the model and the backend that computed the vectors (`harness.embeddings.encoder.model_id`), so torch
and ONNX vectors never mix. WAL mode lets several processes read and write one file.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np

FILE = "embeddings.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    key TEXT NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (model, key)
) WITHOUT ROWID;
"""
_CHUNK = 500  # keys per SELECT (SQLite's bound-parameter limit is far above)


class EmbeddingStore:
    """get_many / put_many over one SQLite file; thread-safe."""

    def __init__(self, path: str | Path, dim: int):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.dim = dim
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # a lost tail costs a re-embedding, never a wrong vector
        self._db.executescript(_SCHEMA)
        self.hits = 0
        self.writes = 0

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those keys that have one."""
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), _CHUNK):
                part = keys[i:i + _CHUNK]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(f"SELECT key, vec FROM vectors WHERE model=? AND key IN ({marks})",
                                        (model, *part)).fetchall()
                for key, blob in rows:
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if vec.size == self.dim:  # a damaged row is a miss, not a wrong vector
                        out[key] = vec
        self.hits += len(out)
        return out

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        """Store vectors (one transaction)."""
        if not items:
            return
        rows = [(model, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR IGNORE INTO vectors(model, key, vec) VALUES (?, ?, ?)", rows)
            self._db.execute("COMMIT")
        self.writes += len(rows)

    def count(self, model: str | None = None) -> int:
        with self._lock:
            if model is None:
                return self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
            return self._db.execute("SELECT COUNT(*) FROM vectors WHERE model=?", (model,)).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
