"""The local executor's worker processes: each loads the embedding model once and receives the tasks once."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
from typing import Any

from harness.generators.base import Generation, GeneratorSpec
from harness.models import Score, Task
from harness.runner import worker_state
from harness.runner.executors.base import OffloadingExecutor

__all__ = ["ProcessExecutor"]


class ProcessExecutor(OffloadingExecutor):
    """Scoring and offline generation in `workers` spawned processes (a pool made per run, at start)."""

    def __init__(self, workers: int, preload: bool = False) -> None:
        super().__init__()
        self.workers = workers
        self.preload = preload  # load the model in the initializer (the benchmark times warm workers only)
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._init: tuple[dict[str, Task], list[str]] | None = None

    async def _start_workers(self, tasks: dict[str, Task], plugins: list[str]) -> None:
        self._init = (tasks, plugins)  # the pool is made by the first job shipped: a run with none makes none

    def _workers(self) -> concurrent.futures.ProcessPoolExecutor:
        """The pool, made on first use (its queues and spawned processes cost tens of ms even when idle)."""
        if self._pool is None:
            assert self._init is not None, "a job before start()"
            threads = max(1, (os.cpu_count() or 1) // self.workers)  # workers x torch threads within the cores
            # spawn, not fork: the driver has threads (event loop, litellm, torch) that a fork would copy mid-state
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=worker_state.init_process_worker, initargs=(*self._init, threads, self.preload))
        return self._pool

    async def warm(self) -> list[int]:
        """Start every worker now (the pool is otherwise started by its first jobs); their pids."""
        loop = asyncio.get_running_loop()
        return list(await asyncio.gather(*(loop.run_in_executor(self._workers(), worker_state.process_ping)
                                           for _ in range(self.workers))))

    async def _score_remote(self, gen: Generation, families: list[str] | None, context: Any) -> list[Score]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers(), worker_state.process_score, gen, families, context)

    async def _generate_remote(self, spec: GeneratorSpec, task_id: str, seed: int) -> Generation:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._workers(), worker_state.process_generate, spec, task_id, seed)

    async def _close_workers(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
