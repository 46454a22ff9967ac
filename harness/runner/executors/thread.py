"""The one-thread executor: scoring and offline generation on one worker thread of the driver."""

from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Any

from harness.generators.base import Generation, GeneratorSpec
from harness.models import Score, Task
from harness.runner.scoring import score_generation
from harness.scorers.family import all_light

__all__ = ["ThreadExecutor"]


class ThreadExecutor:
    """One worker thread for scoring and offline generation (they share the embedder, so one at a time)."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="harness-score")
        self._tasks: dict[str, Task] = {}

    async def start(self, tasks: dict[str, Task]) -> None:
        self._tasks = tasks

    async def score(self, gen: Generation, families: list[str] | None, context: Any) -> list[Score]:
        """Scores of one generation: light review-only families (counts alone) right here, others on the thread."""
        if all_light(families, review_only=True):  # microseconds of work: a thread hop would cost more
            return score_generation(gen, self._tasks[gen.task_id], families, context)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, score_generation, gen, self._tasks[gen.task_id], families,
                                          context)

    async def generate_offline(self, generator: Any, spec: GeneratorSpec, task_id: str, seed: int) -> Generation:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, _generate, generator, self._tasks[task_id], seed)

    async def close(self) -> None:
        self._pool.shutdown(wait=True)


def _generate(generator: Any, task: Task, seed: int) -> Generation:
    """An offline generator's coroutine run to completion on the worker thread (it is CPU-bound)."""
    return asyncio.run(generator.generate(task, seed, None))
