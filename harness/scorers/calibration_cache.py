"""On-disk calibration cache: a per-task calibration computed once per (content, embedding model and backend, code).

`disk_cached(calibrate)(task, embedder)` returns what `calibrate(task, embedder)` returns, read from
$HARNESS_CACHE_DIR/calibrations/<key>.json when an earlier run or process computed it. The key hashes the first
argument's content (a Task's content hash; papers' ids, titles and abstracts), the embedder's model id (model name,
weights version and backend, so torch and ONNX calibrations never mix) and the source of the calibrating module
and of harness/scorers/calibration.py (a code change is a miss). Results are dataclasses of plain values and numpy
arrays. An embedder without a model id (a test double) is never cached; HARNESS_DISK_CACHE=0 turns the cache off.

Entries shipped with the package (harness/data/calibrations, written by scripts/ship_calibrations.py for the shipped
suite's support calibrations and default relevance cuts) are read after the user's cache: the same key, so the same
result a cold run would compute, without a first run's ~4 s of MiniLM per task; a code or task change misses them and
computes as before.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import json
import sys
import threading
from pathlib import Path
from typing import Any, Callable, TypeVar

import numpy as np

from harness.core.fileio import atomic_write
from harness.core.paths import cache_root, disk_cache_enabled

T = TypeVar("T")
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "calibrations"
_MEMO: dict[str, Any] = {}
_MEMO_LOCK = threading.Lock()
stats = {"computed": 0, "disk_hits": 0, "memory_hits": 0, "shipped_hits": 0}  # for tests and benchmarks


def cache_dir() -> Path:
    """Where calibrations are kept on disk."""
    return cache_root() / "calibrations"


def _content_key(obj: Any) -> str:
    """A stable digest of what a calibration is computed from."""
    if hasattr(obj, "content_hash") and hasattr(obj, "compute_hash"):
        return obj.content_hash or obj.compute_hash()
    h = hashlib.sha256()
    items = list(obj) if isinstance(obj, (list, tuple)) else [obj]
    if items and all(hasattr(it, "id") and hasattr(it, "abstract") for it in items):
        # a paper corpus is a set: one entry per id (the last wins, as calibrate_support reads it), id order
        for it in sorted({it.id: it for it in items}.values(), key=lambda it: it.id):
            h.update(f"{it.id}\t{getattr(it, 'title', '')}\t{it.abstract}\n".encode())
        return h.hexdigest()
    for it in items:
        if hasattr(it, "model_dump_json"):
            h.update(it.model_dump_json().encode() + b"\n")
        else:
            h.update(repr(it).encode() + b"\n")
    return h.hexdigest()


@functools.lru_cache(maxsize=32)
def _code_key(module: str) -> str:
    h = hashlib.sha256()
    for name in (module, "harness.scorers.calibration"):
        path = getattr(sys.modules.get(name) or importlib.import_module(name), "__file__", None)
        h.update(Path(path).read_bytes() if path else name.encode())
    return h.hexdigest()


def _encode(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _dump(result: Any) -> str:
    cls = type(result)
    fields = {f.name: _encode(getattr(result, f.name)) for f in dataclasses.fields(result)}
    return json.dumps({"class": f"{cls.__module__}:{cls.__qualname__}", "fields": fields})


def _load(text: str) -> Any:
    data = json.loads(text)
    module, _, qualname = data["class"].partition(":")
    if not module.startswith("harness."):
        raise ValueError(f"not a harness class: {data['class']}")
    cls = getattr(importlib.import_module(module), qualname)
    return cls(**{k: _decode(v) for k, v in data["fields"].items()})


def _write(path: Path, text: str) -> None:
    """Atomic (temp file + rename): readers see a whole entry or none; a lost entry is recomputed."""
    atomic_write(path, text)


def _read(path: Path, counter: str) -> Any:
    """The entry at path, or None when there is none or it is damaged or outdated (then it is recomputed)."""
    if not path.exists():
        return None
    try:
        result = _load(path.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - a damaged or outdated entry is recomputed
        return None
    stats[counter] += 1
    return result


def calibration_key(fn: Callable[..., Any], subject: Any, embedder: Any) -> str | None:
    """The cache key of fn(subject, embedder), or None when the embedder has no model id."""
    model = getattr(embedder, "model_id", None)
    if not isinstance(model, str):
        return None
    blob = "\0".join((fn.__module__, fn.__qualname__, _code_key(fn.__module__), model, _content_key(subject)))
    return hashlib.sha256(blob.encode()).hexdigest()


@functools.lru_cache(maxsize=None)
def disk_cached(fn: Callable[..., T]) -> Callable[..., T]:
    """fn(subject, embedder) with results cached in memory and on disk (see the module docstring)."""

    @functools.wraps(fn)
    def wrapper(subject: Any, embedder: Any) -> T:
        key = calibration_key(fn, subject, embedder)
        if key is None or not disk_cache_enabled():
            return fn(subject, embedder)
        with _MEMO_LOCK:
            hit = _MEMO.get(key)
        if hit is not None:
            stats["memory_hits"] += 1
            return hit
        path = cache_dir() / f"{key}.json"
        result = _read(path, "disk_hits")
        if result is None:
            result = _read(SHIPPED / f"{key}.json", "shipped_hits")
        if result is None:
            result = fn(subject, embedder)
            stats["computed"] += 1
            if dataclasses.is_dataclass(result):
                _write(path, _dump(result))
        with _MEMO_LOCK:
            _MEMO[key] = result
        return result

    return wrapper


def clear_memory() -> None:
    """Forget the in-process copies (the disk entries stay): what a new process would see."""
    with _MEMO_LOCK:
        _MEMO.clear()
