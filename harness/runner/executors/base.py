"""Where cells' CPU work runs: scoring and offline generation, off the event loop; LLM calls stay on the driver.

Three executors share one protocol. `ThreadExecutor` (.thread): one worker thread in the driver (the embedder is
shared, so one job at a time). `ProcessExecutor` (.process): a pool of worker processes, each
loading the embedding model once and receiving the run's tasks once. `RayExecutor`
(.ray): Ray tasks on a local or remote cluster, the same state kept per Ray worker.

What never leaves the driver, whatever the executor:
- every LLM call (generators of a provider-calling kind, the support judge, the judge family): they go through
  the run's one RunClient on the driver's event loop, so one response cache, one retry policy, one set of
  concurrency limits and one budget cover the whole run, however many workers score (in workers, each would
  have its own cache, limits and share of the budget);
- a scoring context that cannot be shipped (its `judge_calls` bridges to that RunClient, it names a judge
  model for the judge family, or it does not pickle) and an offline generator not built from its spec by the
  harness (a test's generator_factory, a plug-in kind): those run on the driver's thread, as before;
- the run directory: workers return scores and generations; only the driver appends them (so no duplicate
  rows, and resume reads one store whatever executed the cells).

Choosing: config `execution.executor` (`local` | `ray`), `execution.workers` (`auto` | N) and
`execution.address` (Ray: `auto` or `ray://host:port`; unset starts a local cluster). When the config leaves
them at their defaults, `HARNESS_EXECUTOR`, `HARNESS_WORKERS` and `RAY_ADDRESS` choose for a whole session (the
test suite runs a second time under `HARNESS_EXECUTOR=ray`).
"""

from __future__ import annotations

import pickle
from typing import Any, Protocol

from harness.generators.base import Generation, GeneratorSpec
from harness.models import Score, Task
from harness.runner.executors.thread import ThreadExecutor
from harness.runner.worker_state import plugin_modules
from harness.scorers import model_calling
from harness.scorers.family import all_light

__all__ = ["Executor", "OffloadingExecutor", "built_from_spec"]


class Executor(Protocol):
    """Runs a run's scoring and offline generation; the driver alone writes the run directory."""

    async def start(self, tasks: dict[str, Task]) -> None: ...

    async def score(self, gen: Generation, families: list[str] | None, context: Any) -> list[Score]: ...

    async def generate_offline(self, generator: Any, spec: GeneratorSpec, task_id: str, seed: int) -> Generation: ...

    async def close(self) -> None: ...


class OffloadingExecutor:
    """Ships what can run elsewhere to workers (subclasses say how) and keeps the rest on a driver thread."""

    latest: "OffloadingExecutor | None" = None  # the last one made (tests and the benchmark read its job counts)

    def __init__(self) -> None:
        OffloadingExecutor.latest = self
        self._driver = ThreadExecutor()
        self._shippable: dict[int, tuple[Any, bool]] = {}  # id(context) -> (context, pickles)
        self._remote_ok = True
        self.remote_jobs = 0  # jobs that ran on workers / on the driver thread (tests and the benchmark read them)
        self.driver_jobs = 0

    async def start(self, tasks: dict[str, Task]) -> None:
        await self._driver.start(tasks)
        plugins = plugin_modules()
        self._remote_ok = "__main__" not in plugins  # a family defined in __main__ exists only on the driver
        if self._remote_ok:
            await self._start_workers(tasks, plugins)

    async def score(self, gen: Generation, families: list[str] | None, context: Any) -> list[Score]:
        if not self._remote_ok or not self._ships(families, context):
            self.driver_jobs += 1
            return await self._driver.score(gen, families, context)
        self.remote_jobs += 1
        return await self._score_remote(gen, families, context)

    async def generate_offline(self, generator: Any, spec: GeneratorSpec, task_id: str, seed: int) -> Generation:
        if not self._remote_ok or not built_from_spec(generator, spec):
            self.driver_jobs += 1
            return await self._driver.generate_offline(generator, spec, task_id, seed)
        self.remote_jobs += 1
        return await self._generate_remote(spec, task_id, seed)

    async def close(self) -> None:
        try:
            await self._close_workers()
        finally:
            await self._driver.close()

    def _ships(self, families: list[str] | None, context: Any) -> bool:
        """Whether a job with this context may run on a worker: no bridge to the run's client, no LLM judge to
        call, not only light families (a worker would cost more than it saves), and a context that pickles
        (checked once per context object)."""
        if all_light(families):
            return False
        if context is None:
            return True
        if getattr(context, "judge_calls", None) is not None:
            return False
        if model_calling(families, getattr(context, "judge_model", None)):
            return False
        known = self._shippable.get(id(context))
        if known is None or known[0] is not context:
            try:
                pickle.dumps(context)
                ok = True
            except Exception:  # noqa: BLE001 - a lambda embedder, an open handle: score it here instead
                ok = False
            known = self._shippable[id(context)] = (context, ok)
        return known[1]

    async def _start_workers(self, tasks: dict[str, Task], plugins: list[str]) -> None:
        raise NotImplementedError

    async def _score_remote(self, gen: Generation, families: list[str] | None, context: Any) -> list[Score]:
        raise NotImplementedError

    async def _generate_remote(self, spec: GeneratorSpec, task_id: str, seed: int) -> Generation:
        raise NotImplementedError

    async def _close_workers(self) -> None:
        raise NotImplementedError


def built_from_spec(generator: Any, spec: GeneratorSpec) -> bool:
    """Whether a worker can rebuild this generator from its spec: one of the harness's own offline generators
    holding exactly this spec (not a test's generator_factory object, not a plug-in kind's)."""
    return type(generator).__module__.startswith("harness.generators.") and getattr(generator, "spec", None) == spec
