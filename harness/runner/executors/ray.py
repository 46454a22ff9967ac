"""The Ray executor: scoring and offline generation as Ray tasks on a local or remote cluster. Each Ray worker
process keeps a harness.runner.worker_state.WorkerState: the embedder, loaded once per worker, the offline
generators it built, and the run's tasks, put in the object store once and fetched once per worker.

Tasks rather than actors: an idle actor holds its CPU, so actors kept warm between runs would starve every other
driver on the cluster (a second `harness run`, a resumed session); Ray reuses a job's worker processes for its
tasks, so the per-worker state survives from job to job of one driver all the same.

LLM calls never run here: they stay on the driver's RunClient (one cache, retry policy, rate limits, budget; see
harness.runner.executors.base). Workers only return scores and generations; the driver writes the run directory.
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

from harness.core.errors import HarnessError
from harness.embeddings.encoder import get_embedder
from harness.generators.base import Generation, GeneratorSpec
from harness.models import Score, Task
from harness.runner.executors.base import OffloadingExecutor
from harness.runner.worker_state import WorkerState

__all__ = ["RayExecutor", "connect", "shutdown", "worker_probe"]

_LOCK = threading.Lock()
_ADDRESS: str | None = None
_STARTED_HERE = False  # this process started the (local) cluster, so it stops it
_STATE: Any = None  # a Ray worker process's WorkerState
_KEEP_RUNS = 4  # task sets a worker keeps (the latest runs of its driver)


def _state(setup: dict[str, Any], token: str, tasks_box: list[Any]) -> Any:
    """This worker's state, made on its first job; the run's tasks fetched from the object store once."""
    global _STATE
    if _STATE is None:
        _STATE = WorkerState(setup["sys_path"], setup["plugins"], threads=1)
    _STATE.ensure(setup["sys_path"], setup["plugins"])
    if token not in _STATE.tasks:
        while len(_STATE.tasks) >= _KEEP_RUNS:
            _STATE.drop_tasks(next(iter(_STATE.tasks)))
        _STATE.set_tasks(token, ray.get(tasks_box[0]))  # boxed: Ray would resolve a bare ref on every call
    return _STATE


@ray.remote(num_cpus=1)
def _score(setup: dict[str, Any], token: str, tasks_box: list[Any], gen: Generation, families: list[str] | None,
           context: Any) -> list[Score]:
    return _state(setup, token, tasks_box).score(token, gen, families, context)


@ray.remote(num_cpus=1)
def _generate(setup: dict[str, Any], token: str, tasks_box: list[Any], spec: GeneratorSpec, task_id: str,
              seed: int) -> Generation:
    return _state(setup, token, tasks_box).generate(token, spec, task_id, seed)


def _held() -> tuple[int, int, int]:
    """(pid, embedding model loads, task sets held) of this worker."""
    return os.getpid(), get_embedder().model_loads, len(_STATE.tasks) if _STATE is not None else 0


# The remote functions below are pickled by value (the module attribute is Ray's wrapper, not the function), so
# they reach this module's state only through plain functions (_state, _held), which are pickled by reference.
@ray.remote(num_cpus=1)
def _probe() -> tuple[int, int, int]:
    return _held()


def worker_probe(n: int) -> list[tuple[int, int, int]]:
    """n probes of this driver's workers (tests read model loads per worker pid)."""
    return ray.get([_probe.remote() for _ in range(n)])


def connect(address: str | None, num_cpus: int | None = None) -> str:
    """Connect this process to Ray once: `auto`, `ray://host:port`, host:port, or None for a new local cluster
    on 127.0.0.1 (num_cpus CPUs; all of the machine's when None). Returns the address connected to."""
    global _ADDRESS
    target = address or "local"
    with _LOCK:
        if ray.is_initialized():
            current = ray.get_runtime_context().gcs_address
            if target not in ("local", "auto", _ADDRESS, current):
                raise HarnessError(f"this process is already connected to Ray at {current}, not {target}: one "
                                   f"cluster per process", field="execution.address")
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
    """Disconnect from Ray (a local cluster started here stops, agents too)."""
    global _ADDRESS, _STARTED_HERE
    with _LOCK:
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
    if not procs:
        return
    import psutil  # Ray ships it (ray/thirdparty_files, on sys.path once ray is imported)

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


class RayExecutor(OffloadingExecutor):
    """Jobs as Ray tasks, at most `workers` in flight (default: the cluster's CPUs); results come back here."""

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        super().__init__()
        self.address, self.workers = address, workers
        self.token = uuid.uuid4().hex  # this run's tasks on the workers
        self._setup: dict[str, Any] = {}
        self._box: list[Any] = []
        self._gate: asyncio.Semaphore | None = None

    async def _start_workers(self, tasks: dict[str, Task], plugins: list[str]) -> None:
        connect(self.address, self.workers)  # on the loop's thread: ray.init wants the main thread
        n = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._setup = {"sys_path": [p for p in sys.path if p and os.path.isdir(p)], "plugins": plugins}
        self._box = [ray.put(tasks)]  # once in the object store; each worker fetches it once
        self._gate = asyncio.Semaphore(n)

    async def _run(self, fn: Any, *args: Any) -> Any:
        assert self._gate is not None, "RayExecutor used before start()"
        async with self._gate:
            return await fn.remote(self._setup, self.token, self._box, *args)

    async def _score_remote(self, gen: Generation, families: list[str] | None, context: Any) -> list[Score]:
        return await self._run(_score, gen, families, context)

    async def _generate_remote(self, spec: GeneratorSpec, task_id: str, seed: int) -> Generation:
        return await self._run(_generate, spec, task_id, seed)

    async def _close_workers(self) -> None:
        self._box = []  # the tasks' object is freed once no job holds it; workers drop it after _KEEP_RUNS runs
