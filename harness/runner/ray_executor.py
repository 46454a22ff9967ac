"""The Ray executor: scoring and offline generation on Ray actors, one per worker CPU, each holding the embedder
(loaded once) and the run's tasks (put in the object store once, fetched once per actor).

LLM calls never run here: they stay on the driver's RunClient (one cache, retry policy, rate limits, budget; see
harness.runner.executor). Actors only return scores and generations; the driver writes the run directory.
The connection and the actors live as long as the driver process, so consecutive runs in one process (a
notebook, the test suite) reuse warm workers; each run ships its own tasks under its own token.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import sys
import threading
import uuid
from typing import Any

import ray

from harness.errors import HarnessError
from harness.generators.base import Generation, GeneratorSpec
from harness.models import Score, Task
from harness.runner.executor import OffloadingExecutor

__all__ = ["RayExecutor", "connect", "shutdown"]

MAX_ACTORS = 64
_LOCK = threading.Lock()
_ACTORS: dict[tuple[str, int, tuple[str, ...]], list[Any]] = {}  # (address, actors, plug-ins) -> actor handles
_ADDRESS: str | None = None
_STARTED_HERE = False  # this process started the (local) cluster, so it stops it


@ray.remote(num_cpus=1)
class ScoringActor:
    """One Ray worker: a harness.runner.worker_state.WorkerState (tasks per run token, embedder, generators)."""

    def __init__(self, sys_path: list[str], plugins: list[str]) -> None:
        from harness.runner.worker_state import WorkerState

        self.state = WorkerState(sys_path, plugins, threads=1)

    def set_tasks(self, token: str, tasks: dict[str, Task]) -> int:
        self.state.set_tasks(token, tasks)
        return os.getpid()

    def drop_tasks(self, token: str) -> None:
        self.state.drop_tasks(token)

    def score(self, token: str, gen: Generation, families: list[str] | None, context: Any) -> list[Score]:
        return self.state.score(token, gen, families, context)

    def generate(self, token: str, spec: GeneratorSpec, task_id: str, seed: int) -> Generation:
        return self.state.generate(token, spec, task_id, seed)


def connect(address: str | None, num_cpus: int | None = None) -> str:
    """Connect this process to Ray once: `auto`, `ray://host:port`, host:port, or None for a new local cluster
    on 127.0.0.1 (num_cpus CPUs; all of the machine's when None). Returns the address connected to."""
    global _ADDRESS
    target = address or "local"
    with _LOCK:
        if ray.is_initialized():
            if _ADDRESS not in (None, target):
                raise HarnessError(f"this process is already connected to Ray at {_ADDRESS}; one address per "
                                   f"process", field="execution.address")
            return _ADDRESS or target
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no telemetry: tests and CI touch no network
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        if target == "local":
            kwargs.update(num_cpus=num_cpus, _node_ip_address="127.0.0.1")
        # the driver's import path and environment, so workers import this checkout and see its settings
        env = {k: v for k, v in os.environ.items() if k.startswith(("HARNESS_", "HF_", "LITELLM_"))}
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        try:
            ray.init(address=target, runtime_env={"env_vars": env}, **kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise HarnessError(f"cannot connect to Ray at {target}: {exc}", field="execution.address",
                               hint="start a cluster with `ray start --head`, or leave address unset for a "
                                    "local one") from None
        _ADDRESS = target
        global _STARTED_HERE
        _STARTED_HERE = target == "local"
        atexit.register(shutdown)
        return target


def shutdown() -> None:
    """Drop this process's actors and disconnect from Ray (a local cluster started here stops, agents too)."""
    global _ADDRESS, _STARTED_HERE
    with _LOCK:
        for actors in _ACTORS.values():
            for a in actors:
                try:
                    ray.kill(a)
                except Exception:  # noqa: BLE001 - the cluster may already be gone
                    pass
        _ACTORS.clear()
        leftovers = _node_processes() if _STARTED_HERE else []
        if ray.is_initialized():
            ray.shutdown()
        _stop(leftovers)
        _ADDRESS, _STARTED_HERE = None, False


def _node_processes() -> list[Any]:
    """The processes of the local node this process started, with their children (Ray's agents, which
    ray.shutdown can leave behind, orphaned)."""
    try:
        import psutil

        node = ray._private.worker._global_node
        procs = [psutil.Process(p.process.pid) for ps in node.all_processes.values() for p in ps]
        return procs + [c for p in procs for c in p.children(recursive=True)]
    except Exception:  # noqa: BLE001 - best effort: nothing to clean up is better than a failed shutdown
        return []


def _stop(procs: list[Any]) -> None:
    """Terminate (then kill) whichever of these processes outlived ray.shutdown."""
    import psutil

    alive = [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    for p in alive:
        try:
            p.terminate()
        except psutil.Error:
            pass
    _, still = psutil.wait_procs(alive, timeout=5)
    for p in still:
        try:
            p.kill()
        except psutil.Error:
            pass


def _actors(address: str, n: int | None, plugins: list[str]) -> list[Any]:
    """This process's actors for (address, n, plug-ins), created on first use: n, or one per cluster CPU."""
    if n is None:
        n = max(1, min(MAX_ACTORS, int(ray.cluster_resources().get("CPU", 1))))
    key = (address, n, tuple(plugins))
    with _LOCK:
        if key not in _ACTORS:
            path = [p for p in sys.path if p and os.path.isdir(p)]
            _ACTORS[key] = [ScoringActor.remote(path, plugins) for _ in range(n)]
        return _ACTORS[key]


class RayExecutor(OffloadingExecutor):
    """Jobs go to whichever actor is idle (one job per actor at a time); results come back to the driver."""

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        super().__init__()
        self.address, self.workers = address, workers
        self.token = uuid.uuid4().hex  # this run's tasks on the actors
        self._actors: list[Any] = []
        self._idle: asyncio.Queue | None = None

    async def _start_workers(self, tasks: dict[str, Task], plugins: list[str]) -> None:
        address = connect(self.address, self.workers)  # on the loop's thread: ray.init wants the main thread
        self._actors = _actors(address, self.workers, plugins)
        ref = ray.put(tasks)  # once in the object store; each actor fetches it once
        await asyncio.gather(*(a.set_tasks.remote(self.token, ref) for a in self._actors))
        self._idle = asyncio.Queue()
        for a in self._actors:
            self._idle.put_nowait(a)

    async def _call(self, method: str, *args: Any) -> Any:
        assert self._idle is not None, "RayExecutor used before start()"
        actor = await self._idle.get()
        try:
            return await getattr(actor, method).remote(self.token, *args)
        finally:
            self._idle.put_nowait(actor)

    async def _score_remote(self, gen: Generation, families: list[str] | None, context: Any) -> list[Score]:
        return await self._call("score", gen, families, context)

    async def _generate_remote(self, spec: GeneratorSpec, task_id: str, seed: int) -> Generation:
        return await self._call("generate", spec, task_id, seed)

    async def _close_workers(self) -> None:
        if self._actors:
            actors, self._actors = self._actors, []
            try:
                await asyncio.gather(*(a.drop_tasks.remote(self.token) for a in actors))
            except Exception:  # noqa: BLE001 - a dead actor holds no tasks
                pass
