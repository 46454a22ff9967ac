"""A session starts the cells that call a model first, so their waits overlap the offline cells' CPU work, and
among those the cells whose calls run in rounds (a plan, then the writing) first, so none trails the run."""

from __future__ import annotations

from harness.cells import Cell
from harness.generators.base import GeneratorSpec
from harness.runner.experiment import provider_cells_first


def test_cells_that_call_a_model_come_first_and_each_group_keeps_its_order():
    specs = {"ext": GeneratorSpec(name="ext", kind="extractive"),
             "llm": GeneratorSpec(name="llm", kind="llm", model="openai/x", strategy="zero_shot"),
             "dump": GeneratorSpec(name="dump", kind="bibliography_dump")}
    cells = [Cell(task_id=t, generator=g, seed=0) for t in ("a", "b") for g in ("ext", "llm", "dump")]
    order = [(c.task_id, c.generator) for c in provider_cells_first(cells, specs)]
    assert order == [("a", "llm"), ("b", "llm"), ("a", "ext"), ("a", "dump"), ("b", "ext"), ("b", "dump")]


def test_cells_whose_calls_run_in_rounds_start_before_one_call_cells():
    specs = {"zero": GeneratorSpec(name="zero", kind="llm", model="local/gemma-3-270m", strategy="zero_shot"),
             "plan": GeneratorSpec(name="plan", kind="llm", model="local/gemma-3-270m", strategy="plan_then_write"),
             "ext": GeneratorSpec(name="ext", kind="extractive")}
    cells = [Cell(task_id=t, generator=g, seed=0) for t in ("a", "b") for g in ("zero", "plan", "ext")]
    order = [(c.task_id, c.generator) for c in provider_cells_first(cells, specs)]
    assert order == [("a", "plan"), ("b", "plan"), ("a", "zero"), ("b", "zero"), ("a", "ext"), ("b", "ext")]
