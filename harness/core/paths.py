"""Where the harness keeps its caches on disk (one rule for every module that caches)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CACHE_DIR = Path("~/.cache/review-harness")
CACHE_FILE = "responses.sqlite"


def cache_file(cache_dir: str | Path | None = None) -> Path:
    """The SQLite response cache file: cache_dir, else $HARNESS_CACHE_DIR, else ~/.cache/review-harness."""
    base = cache_dir or os.environ.get("HARNESS_CACHE_DIR") or str(DEFAULT_CACHE_DIR)
    return Path(base).expanduser().resolve() / CACHE_FILE


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """The directory the caches live in (the response cache's directory): embeddings, calibrations, onnx, scholar."""
    return cache_file(cache_dir).parent


def disk_cache_enabled() -> bool:
    """False when HARNESS_DISK_CACHE is 0/false/no/off (the machine-wide embedding and calibration caches)."""
    return os.environ.get("HARNESS_DISK_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")
