"""CellRunner: one cell generated (or served whole from the cache), recorded and scored into the run store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from harness.cells import Cell
from harness.config import ExperimentConfig
from harness.runner.cell_runner import NOT_RUN, CellRunner, score_stored_cells
from harness.runner.executors.thread import ThreadExecutor
from harness.runner.resources import CellResources
from harness.runner.store import ERRORS, GENERATIONS, SCORES_LOG, RunStore, iter_jsonl
from harness.scorers import NAMES
from harness.tasks.suite import load_suite

from .helpers import FAMILIES, TASKS, config_dict

SUITE = load_suite(None)
CELL = Cell(task_id=TASKS[0], generator="extractive", seed=0)
SCORE_NAMES = {n for f in FAMILIES for n in NAMES[f]}


def _config(tmp_path: Path, **over: Any) -> ExperimentConfig:
    data = config_dict("http://127.0.0.1:9/v1", tmp_path, tasks=[TASKS[0]], **over)
    return ExperimentConfig.from_dict(data).resolved(list(SUITE))


async def _run(config: ExperimentConfig, store: RunStore, cells: list[Cell], **parts: Any) -> list:
    """Run cells one by one through a CellRunner, as a session does (resources prepared, executor started)."""
    res = CellResources(config, **parts)
    executor = ThreadExecutor()
    try:
        await executor.start(SUITE)
        await res.prepare(cells, SUITE, 0.0, lambda delta: store.append_usage(0, delta))
        runner = CellRunner(res, store, executor, SUITE, config.scorers.families)
        return [await runner.run(c) for c in cells]
    finally:
        await res.close()
        await executor.close()


def _lines(store: RunStore, name: str) -> list[dict]:
    store.flush()
    return list(iter_jsonl(store.path(name)))


def test_an_offline_cell_is_generated_stored_and_scored(tmp_path):
    store = RunStore(tmp_path / "run")
    (outcome,) = asyncio.run(_run(_config(tmp_path, cache=False), store, [CELL]))
    assert outcome.ran and not outcome.failed and not outcome.cached
    (gen,) = _lines(store, GENERATIONS)
    assert gen["cell"] == CELL.key and gen["review"]["text"] and gen["error"] is None
    (scores,) = _lines(store, SCORES_LOG)
    assert scores["cell"] == CELL.key and scores["gen"] == 1 == store.generation_number(CELL)
    assert {s["name"] for s in scores["scores"]} == SCORE_NAMES
    assert store.completed_cells() == store.scored_cells() == {CELL}


class _Broken:
    """A generator whose every call raises (a bug, a missing file)."""

    async def generate(self, task, seed, client):
        raise RuntimeError("the generator broke")


def test_a_generator_that_raises_gives_a_failed_cell_with_an_error_record(tmp_path):
    store = RunStore(tmp_path / "run")
    (outcome,) = asyncio.run(_run(_config(tmp_path, cache=False), store, [CELL],
                                  generator_factory=lambda spec: _Broken()))
    assert outcome.ran and outcome.failed
    (gen,) = _lines(store, GENERATIONS)
    assert gen["review"] is None and gen["error"] == "RuntimeError: the generator broke"
    (err,) = _lines(store, ERRORS)
    assert err["cell"] == CELL.key and err["cause"] == "RuntimeError: the generator broke"
    (scores,) = _lines(store, SCORES_LOG)  # every score name gets an error row, never a silent zero
    assert {s["name"] for s in scores["scores"]} == SCORE_NAMES and {s["status"] for s in scores["scores"]} == {"error"}
    assert store.completed_cells() == set()  # retried on resume


class _NoCalls:
    """A provider client the test must never reach."""

    async def complete(self, request):
        raise AssertionError("a provider was called past the budget")


def test_a_provider_cell_is_not_run_once_the_budget_is_reached(tmp_path):
    config = _config(tmp_path, llm=1, offline=False, cache=False)
    cell = Cell(task_id=TASKS[0], generator="fake-0", seed=0)
    store = RunStore(tmp_path / "run")

    async def go():
        res = CellResources(config, client=_NoCalls())
        await res.prepare([cell], SUITE, 0.0, lambda delta: None)
        res.run_client.budget_hit = True  # an earlier cell spent budget_usd
        return await CellRunner(res, store, ThreadExecutor(), SUITE, config.scorers.families).run(cell)

    assert asyncio.run(go()) is NOT_RUN
    assert _lines(store, GENERATIONS) == [] and store.generation_number(cell) == 0


def test_a_cell_found_whole_in_the_cache_is_served_as_stored(tmp_path):
    config = _config(tmp_path)  # cache on: a successful cell is remembered whole
    first = RunStore(tmp_path / "first")
    asyncio.run(_run(config, first, [CELL]))
    second = RunStore(tmp_path / "second")
    (outcome,) = asyncio.run(_run(config, second, [CELL]))
    assert outcome.ran and not outcome.failed and not outcome.cached  # an offline cell made no provider call
    assert (second.path(GENERATIONS).read_bytes() == first.path(GENERATIONS).read_bytes())
    assert {s["name"] for s in _lines(second, SCORES_LOG)[0]["scores"]} == SCORE_NAMES


def test_stored_cells_without_scores_are_scored_with_no_generation(tmp_path):
    config = _config(tmp_path, cache=False)
    run = tmp_path / "run"
    store = RunStore(run)
    asyncio.run(_run(config, store, [CELL]))
    store.close()
    (run / SCORES_LOG).write_text("")  # killed between the generation's append and its scores'
    store = RunStore(run)

    async def go():
        executor = ThreadExecutor()
        await executor.start(SUITE)
        try:
            return await score_stored_cells([CELL], store, executor, config)
        finally:
            await executor.close()

    assert asyncio.run(go()) == 1
    store.flush()  # scores lines are buffered until the next generation, flush or close
    assert store.scored_cells() == {CELL}
    assert len(_lines(store, GENERATIONS)) == 1  # scored from the stored line: nothing generated
    assert json.loads((run / SCORES_LOG).read_text().splitlines()[0])["gen"] == 1


def test_the_local_server_starts_while_the_generators_are_built(tmp_path, monkeypatch):
    """Starting the local model's server takes seconds (model check, load): it runs beside litellm's import and the
    generators' set-up instead of after them, and the run client then follows the server's slots."""
    import harness.generators as generators
    from harness.llm.types import LOCAL_MODEL
    from harness.runner import resources

    events: list[str] = []
    real_build = generators.build_generator

    async def server() -> int:
        events.append("server starts")
        await asyncio.sleep(0.05)
        events.append("server up")
        return 3

    def build(spec):
        events.append(f"build {spec.name}")
        return real_build(spec)

    monkeypatch.setattr(resources, "_start_local_llm", server)
    monkeypatch.setattr(generators, "build_generator", build)
    local = {"name": "gemma", "kind": "llm", "model": LOCAL_MODEL, "mode": "completion", "strategy": "zero_shot",
             "pool": {"method": "recent", "k": 4}, "params": {"max_tokens": 50}}
    config = _config(tmp_path, generators=[local], cache=False)
    res = CellResources(config)

    async def go() -> None:
        try:
            await res.prepare([Cell(task_id=TASKS[0], generator="gemma", seed=0)], SUITE, 0.0, lambda _: None)
        finally:
            await res.close()

    asyncio.run(go())
    assert events == ["server starts", "build gemma", "server up"]
    assert res.run_client is not None and res.run_client._model_sem(LOCAL_MODEL)._value == 3  # its slots
