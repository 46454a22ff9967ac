"""Which executor a run uses: the config's execution settings, else the session's environment variables."""

from __future__ import annotations

import math
import os
from typing import Any

from harness.core.errors import HarnessError
from harness.runner.executors.base import Executor
from harness.runner.executors.process import ProcessExecutor
from harness.runner.executors.thread import ThreadExecutor

__all__ = ["EXECUTORS", "free_cores", "local_workers", "make_executor"]

EXECUTORS = ("local", "ray")
RAY_INSTALL = "pip install 'review-harness[ray]'"


def free_cores() -> int:
    """Cores this process may use minus the 1-minute load average (rounded): what other work leaves idle."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average on this platform
        load = 0.0
    return max(0, cores - math.floor(load + 0.5))


def local_workers(workers: Any = "auto", busy_cores: int = 0) -> int:
    """Worker processes for the local executor: N when forced; for auto, the free cores (less busy_cores, which
    the run's own decoding will take) when at least 2 are free (capped at 8), else 1 (one driver thread)."""
    if workers not in (None, "auto"):
        return _workers_int(workers, "execution.workers")
    free = free_cores() - busy_cores
    return min(free, 8) if free >= 2 else 1


def _workers_int(value: Any, field: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    if n < 1 or str(value).strip() != str(n):
        raise HarnessError(f"workers must be a positive integer or 'auto', got {value!r}", field=field)
    return n


def _setting(execution: Any, name: str, default: Any, env: str) -> Any:
    """A config execution setting; when left at its default, the session's environment variable (if set)."""
    value = getattr(execution, name, default) if execution is not None else default
    if value == default or value is None:
        from_env = os.environ.get(env, "").strip()
        if from_env:
            return from_env
    return value


def make_executor(execution: Any = None, busy_cores: int = 0) -> Executor:
    """The executor a config's execution settings name (HARNESS_EXECUTOR / HARNESS_WORKERS / RAY_ADDRESS
    choose when the config leaves executor, workers and address at their defaults); busy_cores: cores the run
    keeps busy besides scoring (a local model's decoding), which workers: auto leaves to it."""
    kind = str(_setting(execution, "executor", "local", "HARNESS_EXECUTOR")).strip().lower()
    workers = _setting(execution, "workers", "auto", "HARNESS_WORKERS")
    if kind not in EXECUTORS:
        raise HarnessError(f"unknown executor {kind!r}", field="execution.executor",
                           hint=f"known: {', '.join(EXECUTORS)}")
    if kind == "ray":
        try:
            from harness.runner.executors.ray import RayExecutor  # optional: imports ray itself
        except ImportError:
            raise HarnessError("execution.executor is 'ray' but Ray is not installed", field="execution.executor",
                               hint=f"install the extra: {RAY_INSTALL}") from None
        address = _setting(execution, "address", None, "RAY_ADDRESS")
        return RayExecutor(address=address, workers=None if workers in (None, "auto") else
                           _workers_int(workers, "execution.workers"))
    n = local_workers(workers, busy_cores)
    if n <= 1:
        return ThreadExecutor()
    return ProcessExecutor(n)
