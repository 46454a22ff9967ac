"""Whole-cell reuse: a finished generation stored under what determines it, so a warm rerun is one lookup per cell.

The key covers the generator spec (name, model, strategy, mode, pool, params, api_base, price), the task's content
hash, the seed, the embedding model and backend (pool selection and the offline baselines embed), and a
fingerprint of the harness's own generation code and prompt templates (and of a plug-in package defining the kind
or strategy), so any change to one of them is a miss.
Only generations without an error are kept, and only when the response cache kept every reply of the cell (the
runner checks; an empty reply is asked for again), in the response cache's SQLite file (`harness cache clear` empties both). Replay generators read files
the key does not cover and are never reused; neither is anything in a run given its own client or generator
factory (tests injecting faults). A reused cell keeps the latency_s of the run that generated it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import harness
from harness.cells import Cell
from harness.embeddings.encoder import configured_model_id
from harness.generators import calls_provider, kind_of, strategies
from harness.generators.base import Generation, GeneratorSpec
from harness.llm.cache import ResponseCache
from harness.models import Task
from harness.plugins import source_fingerprint

# Parts of the package that cannot change what a generator returns (reports, CLI wording).
_NOT_IN_FINGERPRINT = {"report", "cli", "__pycache__"}
# CallRecord keys as they appear in a compact JSON line; inside a JSON string a quote is always escaped, so these
# patterns only ever match real keys.
_CACHED = re.compile(r'"cached":false')
_ATTEMPTS = re.compile(r'"attempts":\d+')
_CELL_KEY = re.compile(r'^\{\s*"cell"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*')  # a generations line's leading cell key


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 over the harness version and its source and template files (read once per process)."""
    root = Path(harness.__file__).resolve().parent
    h = hashlib.sha256(harness.__version__.encode())
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and path.suffix in (".py", ".j2", ".yaml") and not _NOT_IN_FINGERPRINT & set(rel.parts):
            h.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _uses_embeddings(spec: GeneratorSpec) -> bool:
    """Offline kinds (the baselines, a plug-in's) and embedding pool selection may embed: the model is in the key."""
    return not calls_provider(spec) or spec.pool.method == "topk_embedding"


def _plugin_code(spec: GeneratorSpec) -> str | None:
    """Fingerprint of the plug-in packages that define the spec's kind or strategy (None when both are built in),
    so an edited plug-in generator is a miss, as an edited built-in one is."""
    modules = [kind_of(spec.kind).origin, getattr(strategies.STRATEGIES.get(spec.strategy or "", None), "__module__", "")]
    outside = sorted({m for m in modules if m and m.split(".", 1)[0] != "harness"})
    return source_fingerprint(outside) if outside else None


def cell_key(spec: GeneratorSpec, task: Task, seed: int) -> str | None:
    """The cache key of one cell, or None for generators whose output the key cannot pin down (replay)."""
    if spec.kind == "replay":
        return None
    parts = {"spec": spec.model_dump(mode="json"), "task": task.content_hash or task.compute_hash(), "seed": seed,
             "code": code_fingerprint()}
    plugin = _plugin_code(spec)
    if plugin is not None:
        parts["plugin"] = plugin
    if _uses_embeddings(spec):
        parts["embedder"] = configured_model_id()
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class CellHit:
    """A stored generations line (calls marked cached) and how many provider calls it stands for."""

    line: str
    calls: int

    def generation(self) -> Generation:
        """The Generation itself (parsed only when the cell is to be scored; straight from JSON, without its key)."""
        return Generation.model_validate_json(_CELL_KEY.sub("{", self.line, count=1))


class CellReuse:
    """Looks up and stores whole cells in a ResponseCache's file."""

    def __init__(self, cache: ResponseCache):
        self.cache = cache

    def lookup(self, spec: GeneratorSpec, task: Task, seed: int) -> CellHit | None:
        key = cell_key(spec, task, seed)
        row = self.cache.get_cell(key) if key is not None else None
        return CellHit(*row) if row is not None else None

    def lookup_all(self, cells: list[Cell], specs: dict[str, GeneratorSpec], tasks: dict[str, Task]
                   ) -> dict[Cell, CellHit]:
        """cell -> hit, for the cells found (one lookup each, before any generator or provider is set up)."""
        hits = {}
        for cell in cells:
            hit = self.lookup(specs[cell.generator], tasks[cell.task_id], cell.seed)
            if hit is not None:
                hits[cell] = hit
        return hits

    def remember(self, spec: GeneratorSpec, task: Task, seed: int, gen: Generation, line: bytes) -> bool:
        """Store a successful generation's line as written to generations.jsonl (already redacted), its calls
        marked cached with one attempt, as a rerun served by the response cache records them."""
        if gen.error is not None or gen.review is None or any(c.error for c in gen.calls):
            return False
        key = cell_key(spec, task, seed)
        if key is None:
            return False
        text = _ATTEMPTS.sub('"attempts":1', _CACHED.sub('"cached":true', line.decode("utf-8")))
        self.cache.put_cell(key, spec.name, text, len(gen.calls))
        return True


def cell_reuse(cache: ResponseCache | None, enabled: bool = True) -> CellReuse | None:
    """A CellReuse over the run's response cache, or None when caching is off or the run injects its own parts."""
    return CellReuse(cache) if cache is not None and enabled else None
