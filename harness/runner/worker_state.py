"""What a scoring worker (a process of the local pool, or a Ray worker process) holds: the run's tasks, received once,
the embedder, loaded once, and the offline generators it built from their specs, cached by spec."""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from typing import Any

from harness import scorers
from harness.embeddings.encoder import get_embedder
from harness.generators import build_generator
from harness.generators.base import Generation, GeneratorSpec
from harness.models import Score, Task
from harness.runner.scoring import score_generation

__all__ = ["WorkerState", "init_process_worker", "process_generate", "process_score", "plugin_modules"]


class WorkerState:
    """One worker's state: tasks per run token, the offline generators built here, the embedder made once."""

    def __init__(self, sys_path: list[str] | None = None, plugins: list[str] | None = None,
                 threads: int | None = None, preload: bool = False) -> None:
        self.plugins: set[str] = set()
        self.ensure(sys_path, plugins)
        if threads:
            _torch_threads(threads)
        self.tasks: dict[str, dict[str, Task]] = {}
        self.generators: dict[str, Any] = {}
        embedder = get_embedder()  # once per worker; scorers reach it through ScoringContext's default embedder
        if preload:
            embedder.encode(["warm up"])

    def ensure(self, sys_path: list[str] | None, plugins: list[str] | None) -> None:
        """The driver's import path and plug-ins here too (a long-lived worker meets new ones run after run)."""
        for p in sys_path or []:  # the driver's import path, so its plug-in and test modules import here too
            if p not in sys.path and (p == "" or os.path.isdir(p)):
                sys.path.append(p)
        for mod in plugins or []:  # registering a user's families / kinds: they must exist here as on the driver
            if mod not in self.plugins:
                importlib.invalidate_caches()
                importlib.import_module(mod)
                self.plugins.add(mod)

    def set_tasks(self, token: str, tasks: dict[str, Task]) -> None:
        self.tasks[token] = tasks

    def drop_tasks(self, token: str) -> None:
        self.tasks.pop(token, None)

    def score(self, token: str, gen: Generation, families: list[str] | None, context: Any) -> list[Score]:
        return score_generation(gen, self.tasks[token][gen.task_id], families, context)

    def generate(self, token: str, spec: GeneratorSpec, task_id: str, seed: int) -> Generation:
        key = spec.model_dump_json()
        generator = self.generators.get(key)
        if generator is None:
            generator = self.generators[key] = build_generator(spec)
        return asyncio.run(generator.generate(self.tasks[token][task_id], seed, None))


def _torch_threads(n: int) -> None:
    """Intra-op threads for this worker (workers x threads stays within the cores)."""
    os.environ.setdefault("OMP_NUM_THREADS", str(n))
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:  # pragma: no cover - torch is a dependency; the ONNX backend does not need it
        pass


def plugin_modules() -> list[str]:
    """Modules outside the harness that registered scorer families on the driver (workers import them too);
    "__main__" is included when a family was defined there (no worker can import it: scoring stays local)."""
    mods = set()
    for fam in scorers.FAMILIES.values():
        mod = getattr(fam.fn, "__module__", None) or ""
        if mod and not mod.startswith("harness."):
            mods.add(mod)
    return sorted(mods)


_STATE: WorkerState | None = None  # a pool process's state, made by its initializer
_TOKEN = "process"


def init_process_worker(tasks: dict[str, Task], plugins: list[str], threads: int, preload: bool) -> None:
    """A pool process's initializer: the tasks arrive here once, the embedder is made once."""
    global _STATE
    _STATE = WorkerState(None, plugins, threads, preload)
    _STATE.set_tasks(_TOKEN, tasks)


def process_score(gen: Generation, families: list[str] | None, context: Any) -> list[Score]:
    assert _STATE is not None, "process_score outside an initialised pool worker"
    return _STATE.score(_TOKEN, gen, families, context)


def process_generate(spec: GeneratorSpec, task_id: str, seed: int) -> Generation:
    assert _STATE is not None, "process_generate outside an initialised pool worker"
    return _STATE.generate(_TOKEN, spec, task_id, seed)


def process_ping() -> int:
    """The worker's pid (the pool is warm once every worker answered)."""
    return os.getpid()
