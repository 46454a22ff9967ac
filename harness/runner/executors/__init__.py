"""Where a run's scoring and offline generation execute: one driver thread, local worker processes, or Ray.

`base` holds the protocol and the shipping logic, `thread`, `process` and `ray` one executor each, `factory` the
choice from a config's execution settings. Ray is optional: `harness.runner.executors.ray` imports it.
"""

from harness.runner.executors.base import Executor, OffloadingExecutor, built_from_spec
from harness.runner.executors.factory import EXECUTORS, free_cores, local_workers, make_executor
from harness.runner.executors.process import ProcessExecutor
from harness.runner.executors.thread import ThreadExecutor

__all__ = ["EXECUTORS", "Executor", "OffloadingExecutor", "ProcessExecutor", "ThreadExecutor", "built_from_spec",
           "free_cores", "local_workers", "make_executor"]
