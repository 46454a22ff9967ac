"""Executors: which one a config and the session's environment choose, what stays on the driver, and a matrix
scored in worker processes equal, cell for cell and score for score, to the one-thread executor."""

from __future__ import annotations

import asyncio
import pickle
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness.core.errors import HarnessError
from harness.generators import build_generator
from harness.generators.base import GeneratorSpec
from harness.runner.executors import factory as ex
from harness.runner.executors.base import OffloadingExecutor
from harness.runner.executors.factory import local_workers, make_executor
from harness.runner.executors.thread import ThreadExecutor
from harness.runner.executors.process import ProcessExecutor

from .executor_matrix import config_dict, results, write_suite


@pytest.fixture(autouse=True)
def _no_session_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests set the choice themselves: the session's HARNESS_EXECUTOR / HARNESS_WORKERS do not apply."""
    for var in ("HARNESS_EXECUTOR", "HARNESS_WORKERS"):
        monkeypatch.delenv(var, raising=False)


def _execution(**kw: Any) -> Any:
    """A config's execution settings (harness.config.Execution), or, for values that model refuses, the same
    attributes unvalidated (make_executor must still say which field is wrong)."""
    from harness.config import Execution

    try:
        return Execution(**kw)
    except ValueError:
        return SimpleNamespace(**{"executor": "local", "address": None, "workers": "auto", **kw})


def test_a_config_file_chooses_the_executor(tmp_path: Path) -> None:
    from harness.config import ExperimentConfig

    data = config_dict(tmp_path, *write_suite(tmp_path), "cfg")
    one = ExperimentConfig.from_dict({**data, "execution": {"workers": 1}})
    assert isinstance(make_executor(one.execution), ThreadExecutor)
    two = ExperimentConfig.from_dict({**data, "execution": {"workers": 2}})
    assert isinstance(make_executor(two.execution), ProcessExecutor)


def test_workers_one_is_the_one_thread_executor_and_n_forces_n_processes() -> None:
    assert isinstance(make_executor(_execution(workers=1)), ThreadExecutor)
    two = make_executor(_execution(workers=2))
    assert isinstance(two, ProcessExecutor) and two.workers == 2


def test_auto_uses_processes_only_when_two_cores_are_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ex, "free_cores", lambda: 1)
    assert local_workers("auto") == 1 and isinstance(make_executor(_execution()), ThreadExecutor)
    monkeypatch.setattr(ex, "free_cores", lambda: 3)
    assert local_workers("auto") == 3
    monkeypatch.setattr(ex, "free_cores", lambda: 40)
    assert local_workers("auto") == 8  # capped


def test_auto_leaves_the_local_models_decoding_cores_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.config import ExperimentConfig
    from harness.runner.resources import local_decoding_cores

    monkeypatch.setattr(ex, "free_cores", lambda: 2)  # an idle 2-core machine
    monkeypatch.setenv("HARNESS_LOCAL_LLM_THREADS", "2")

    def run(**scorers: Any) -> ExperimentConfig:
        return ExperimentConfig.from_dict({"name": "x", "tasks": ["t"], "scorers": scorers, "generators": [
            {"name": "recent", "kind": "recent_papers"},
            {"name": "api", "kind": "llm", "model": "openai/gpt-4o-mini"}]})

    offline, local = run(), ExperimentConfig.from_dict({"name": "x", "tasks": ["t"], "generators": [
        {"name": "g", "kind": "llm", "model": "local/gemma-3-270m"}]})
    judged = run(support={"method": "llm", "model": "local/gemma-3-270m"})
    assert [local_decoding_cores(c) for c in (offline, local, judged)] == [0, 2, 2]
    assert isinstance(make_executor(_execution(), local_decoding_cores(offline)), ProcessExecutor)
    assert isinstance(make_executor(_execution(), local_decoding_cores(local)), ThreadExecutor)  # decoding has both
    monkeypatch.setattr(ex, "free_cores", lambda: 6)
    assert local_workers("auto", busy_cores=2) == 4 and local_workers(3, busy_cores=2) == 3  # forced stays


def test_free_cores_subtracts_the_load_average(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ex.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(ex.os, "getloadavg", lambda: (2.6, 0.0, 0.0))
    assert ex.free_cores() == 1  # 4 cores, about 3 busy
    monkeypatch.setattr(ex.os, "getloadavg", lambda: (9.0, 0.0, 0.0))
    assert ex.free_cores() == 0


def test_the_session_environment_chooses_when_the_config_keeps_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_WORKERS", "1")
    assert isinstance(make_executor(_execution()), ThreadExecutor)
    monkeypatch.setenv("HARNESS_WORKERS", "2")
    assert isinstance(make_executor(None), ProcessExecutor)
    assert isinstance(make_executor(_execution(workers=1)), ThreadExecutor)  # the config's own choice wins


def test_bad_settings_are_one_line_errors_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(HarnessError, match="execution.executor") as err:
        make_executor(_execution(executor="dask"))
    assert "\n" not in str(err.value)
    with pytest.raises(HarnessError, match="execution.workers"):
        make_executor(_execution(workers="0"))
    monkeypatch.setenv("HARNESS_EXECUTOR", "spark")
    with pytest.raises(HarnessError, match="unknown executor 'spark'"):
        make_executor(None)


def test_ray_without_the_extra_names_the_field_and_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError, as without the extra
    monkeypatch.delitem(sys.modules, "harness.runner.executors.ray", raising=False)
    with pytest.raises(HarnessError) as err:
        make_executor(_execution(executor="ray"))
    text = str(err.value)
    assert "execution.executor" in text and "pip install 'review-harness[ray]'" in text and "\n" not in text


class _Recording(OffloadingExecutor):
    """The routing of OffloadingExecutor with workers that only record what was shipped to them."""

    def __init__(self) -> None:
        super().__init__()
        self.shipped: list[str] = []

    async def _start_workers(self, tasks, plugins) -> None:
        self.plugins = plugins

    async def _score_remote(self, gen, families, context):
        self.shipped.append("score")
        return []

    async def _generate_remote(self, spec, task_id, seed):
        self.shipped.append("generate")
        return await self._driver.generate_offline(build_generator(spec), spec, task_id, seed)

    async def _close_workers(self) -> None:
        pass


def test_judge_bridges_unpicklable_contexts_light_families_and_injected_generators_stay_on_the_driver(tmp_path: Path) -> None:
    from harness.models import Task
    from harness.runner.scoring import scoring_context
    from harness.scorers import ScoringContext
    from tests.reliability.conftest import small_task

    task = Task.model_validate(small_task("t1", "graph neural networks"))
    spec = GeneratorSpec(name="recent", kind="recent_papers", k=4)

    class Injected:  # a test's generator_factory object: not rebuildable from the spec in a worker
        spec = None

        async def generate(self, task, seed, client):
            return await build_generator(GeneratorSpec(name="recent", kind="recent_papers", k=4)).generate(
                task, seed, client)

    async def go() -> _Recording:
        rec = _Recording()
        await rec.start({"t1": task})
        gen = await rec.generate_offline(build_generator(spec), spec, "t1", 0)  # shipped
        await rec.generate_offline(Injected(), spec, "t1", 0)  # driver
        await rec.score(gen, ["citations"], ScoringContext())  # shipped
        await rec.score(gen, ["citations"], None)  # shipped
        await rec.score(gen, ["citations"], ScoringContext(judge_calls=object()))  # driver: bridges to the client
        await rec.score(gen, ["judge"], ScoringContext(judge_model="openai/j"))  # driver: the judge calls a model
        await rec.score(gen, ["citations"], ScoringContext(judge_model="openai/j"))  # shipped: no judge family
        await rec.score(gen, ["citations"], ScoringContext(embedder=lambda: None))  # driver: does not pickle
        await rec.score(gen, ["length", "cost"], ScoringContext())  # driver: light families only
        await rec.score(gen, ["length", "citations"], ScoringContext())  # shipped: one family is not light
        await rec.close()
        return rec

    rec = asyncio.run(go())
    assert rec.shipped == ["generate", "score", "score", "score", "score"]
    assert (rec.remote_jobs, rec.driver_jobs) == (5, 5)
    assert rec.plugins == []  # the harness's own families need no module imported in the workers
    pickle.dumps(scoring_context(_config(tmp_path), spec))  # what the runner builds does ship


def _config(tmp: Path):
    from harness.config import ExperimentConfig

    tasks, replay = write_suite(tmp)
    return ExperimentConfig.from_dict(config_dict(tmp, tasks, replay, "c"))


def run_matrix(tmp: Path, name: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[Path, Any]:
    """The offline matrix run in process with the executor the environment names; (run dir, executor used)."""
    from harness.runner import run_experiment

    tasks, replay = (tmp / "tasks", tmp / "replay") if (tmp / "tasks").exists() else write_suite(tmp)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    OffloadingExecutor.latest = None
    from harness.config import ExperimentConfig

    summary = run_experiment(ExperimentConfig.from_dict(config_dict(tmp, tasks, replay, name)), progress=False)
    for k in env:
        monkeypatch.delenv(k)
    assert summary.status == "complete" and summary.cells_done == 12 and summary.cells_failed == 0
    return Path(summary.run_dir), OffloadingExecutor.latest


def test_a_process_executor_with_only_light_families_to_score_makes_no_pool() -> None:
    from harness.models import Task
    from harness.scorers import ScoringContext
    from tests.reliability.conftest import small_task

    task = Task.model_validate(small_task("t1", "graph neural networks"))
    spec = GeneratorSpec(name="recent", kind="recent_papers", k=4)

    async def go() -> tuple[ProcessExecutor, list]:
        used = ProcessExecutor(2)
        await used.start({"t1": task})
        gen = await used._driver.generate_offline(build_generator(spec), spec, "t1", 0)
        scores = await used.score(gen, ["cost", "length"], ScoringContext())
        await used.close()
        return used, scores

    used, scores = asyncio.run(go())
    assert used._pool is None and (used.remote_jobs, used.driver_jobs) == (0, 1)  # no queues, no processes
    assert {s.name.split(".")[0] for s in scores} == {"cost", "length"}


def test_the_thread_executor_scores_light_review_only_families_on_the_calling_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from harness.models import Task
    from harness.runner.executors import thread
    from harness.scorers import ScoringContext
    from tests.reliability.conftest import small_task

    task = Task.model_validate(small_task("t1", "graph neural networks"))
    spec = GeneratorSpec(name="recent", kind="recent_papers", k=4)
    seen: list[str] = []
    real = thread.score_generation

    def where(*a: Any) -> Any:
        seen.append(threading.current_thread().name)
        return real(*a)

    monkeypatch.setattr(thread, "score_generation", where)

    async def go() -> None:
        used = ThreadExecutor()
        await used.start({"t1": task})
        gen = await used.generate_offline(build_generator(spec), spec, "t1", 0)
        await used.score(gen, ["cost"], ScoringContext())  # light, review only: no hop to the worker thread
        await used.score(gen, ["cost", "length"], ScoringContext())  # length resolves references: on the thread
        await used.close()

    asyncio.run(go())
    assert seen[0] == threading.main_thread().name and seen[1].startswith("harness-score")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_worker_processes_give_the_same_cells_and_scores_as_one_thread(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Exact equality: the embedding vectors come from the machine-wide disk cache (on by default), which the
    first run fills; vectors computed afresh with other thread counts or batches differ in float32's last bits."""
    monkeypatch.delenv("HARNESS_DISK_CACHE", raising=False)
    one, none_used = run_matrix(tmp_path, "thread", monkeypatch, HARNESS_WORKERS="1")
    assert none_used is None  # one thread: no worker anywhere
    two, used = run_matrix(tmp_path, "procs", monkeypatch, HARNESS_WORKERS="2")
    assert isinstance(used, ProcessExecutor) and used.workers == 2
    assert used.remote_jobs == 24 and used.driver_jobs == 0  # 12 generations and 12 scorings, all in workers
    a, b = results(one), results(two)
    assert len(a["generations"]) == 12 and len(a["scores"]) > 12 * 10
    assert a["generations"] == b["generations"]
    assert a["scores"] == b["scores"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_rescore_runs_through_the_executor_and_keeps_every_score(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`harness rescore` of 10,000 generations is what the scale-out figures project: it goes through the
    config's executor like a run, and gives the scores one thread gives."""
    from harness.runner.rescore import rescore

    monkeypatch.delenv("HARNESS_DISK_CACHE", raising=False)
    run, _ = run_matrix(tmp_path, "thread", monkeypatch, HARNESS_WORKERS="1")
    before = results(run)["scores"]
    monkeypatch.setenv("HARNESS_WORKERS", "2")
    OffloadingExecutor.latest = None
    rescore(run)
    used = OffloadingExecutor.latest
    assert isinstance(used, ProcessExecutor) and used.remote_jobs == 12  # one scoring per stored generation
    assert results(run)["scores"] == before
