"""CellBatch: pending cells run with a bound on how many are in flight, each outcome counted once."""

from __future__ import annotations

import asyncio
from harness.cells import Cell
from harness.llm.calls import Counters
from harness.runner.cell_batch import CellBatch
from harness.runner.cell_runner import NOT_RUN, CellOutcome
from harness.runner.progress import Progress
from harness.runner.summary import RunSummary


class _Client:
    counters = Counters()


class _Runner:
    """Stands in for CellRunner: seed 0 fails, seed 1 is not run (budget), others succeed from the cache."""

    def __init__(self) -> None:
        self.run_client = _Client()
        self.in_flight = self.most = 0

    async def run(self, cell: Cell) -> CellOutcome:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        await asyncio.sleep(0.01)
        self.in_flight -= 1
        if cell.seed == 1:
            return NOT_RUN
        return CellOutcome(ran=True, failed=cell.seed == 0, cached=cell.seed > 1)


class _RunDir:
    def __init__(self) -> None:
        self.refreshed = 0

    def refresh(self, counters: dict) -> None:
        self.refreshed += 1


def test_cells_in_flight_are_bounded_and_every_outcome_is_counted():
    cells = [Cell(task_id="t", generator="g", seed=s) for s in range(10)]
    runner, run_dir = _Runner(), _RunDir()
    summary = RunSummary(run_id="r", run_dir="r", status="running", cells_total=len(cells))
    bar = Progress(len(cells), enabled=False)
    asyncio.run(CellBatch(runner, run_dir, summary, bar, in_flight=3).run(cells))
    assert runner.most == 3
    assert (summary.cells_run, summary.cells_failed, summary.cells_cached, summary.cells_not_run) == (9, 1, 8, 1)
    assert bar.done == 9 and run_dir.refreshed == 9  # a cell not run changes no counter
