"""Vectors of the shipped task suite's texts, computed once and shipped with the package (harness/data/embeddings).

A fresh machine's first run would otherwise spend most of its scoring CPU embedding the same suite texts every
user embeds: the bibliographies' titles (relevance's topic models), the off-topic pools, the abstracts that
support compares with. The file is keyed exactly as the disk store (the encoder's model id, then the blake2b text
key), so only the model and backend that computed the vectors read them, and a text that changed is simply not
found and is embedded as before. Written by scripts/ship_embeddings.py; read before the user's disk store, so
a suite text has the same vector on every machine whatever that store holds.
"""

from __future__ import annotations

import functools
import hashlib
import io
from pathlib import Path

import numpy as np

from harness.core.fileio import atomic_write

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "data" / "embeddings"


def shipped_file(model_id: str, directory: Path = SHIPPED_DIR) -> Path:
    """Where the vectors of one model id are shipped."""
    return directory / f"{hashlib.sha256(model_id.encode()).hexdigest()[:16]}.npz"


class ShippedVectors:
    """Read-only text key -> vector lookup over one shipped file."""

    def __init__(self, keys: np.ndarray, vecs: np.ndarray):
        self.vecs = vecs
        self.rows = {bytes(k).hex(): i for i, k in enumerate(keys)}

    def __len__(self) -> int:
        return len(self.rows)

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The shipped vectors of those keys that have one."""
        return {k: self.vecs[self.rows[k]] for k in keys if k in self.rows}


@functools.lru_cache(maxsize=8)
def shipped_vectors(model_id: str, directory: Path = SHIPPED_DIR) -> ShippedVectors | None:
    """The shipped vectors for this model id, or None when none ship (another model or backend, or a damaged file)."""
    path = shipped_file(model_id, directory)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["model_id"]) != model_id:
                return None
            keys, vecs = z["keys"], z["vecs"].astype(np.float32, copy=False)
    except Exception:  # noqa: BLE001 - a damaged file is no file: the texts are embedded as before
        return None
    if keys.ndim != 2 or keys.shape[1] != 16 or vecs.ndim != 2 or len(keys) != len(vecs):
        return None
    return ShippedVectors(keys, vecs)


def write_shipped(model_id: str, vectors: dict[str, np.ndarray], directory: Path = SHIPPED_DIR) -> Path:
    """Write the vectors (text key -> row) for model_id, replacing the file atomically; rows in key order."""
    keys = sorted(vectors)
    buf = io.BytesIO()
    np.savez(buf, model_id=np.array(model_id),
             keys=np.frombuffer(b"".join(bytes.fromhex(k) for k in keys), dtype=np.uint8).reshape(len(keys), 16),
             vecs=np.stack([np.asarray(vectors[k], dtype=np.float32) for k in keys]))
    path = shipped_file(model_id, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buf.getvalue())
    shipped_vectors.cache_clear()
    return path


__all__ = ["SHIPPED_DIR", "ShippedVectors", "shipped_file", "shipped_vectors", "write_shipped"]
