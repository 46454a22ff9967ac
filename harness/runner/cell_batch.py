"""A session's pending cells run concurrently (bounded), each outcome counted into the summary, the progress bar
and, every MANIFEST_EVERY_S, the manifest."""

from __future__ import annotations

import asyncio

from harness.cells import Cell
from harness.runner.cell_runner import CellRunner
from harness.runner.progress import Progress
from harness.runner.run_dir import RunDirectory
from harness.runner.summary import RunSummary

__all__ = ["CellBatch"]


class CellBatch:
    """Runs cells through one CellRunner with at most `in_flight` at a time (bounding the work a kill can lose)."""

    def __init__(self, runner: CellRunner, run_dir: RunDirectory, summary: RunSummary, bar: Progress,
                 in_flight: int):
        self.runner, self.run_dir, self.summary, self.bar = runner, run_dir, summary, bar
        self._gate = asyncio.Semaphore(max(2, in_flight))

    async def run(self, cells: list[Cell]) -> None:
        await asyncio.gather(*(self._one(c) for c in cells))

    async def _one(self, cell: Cell) -> None:
        async with self._gate:
            outcome = await self.runner.run(cell)
        self.summary.count(outcome.ran, outcome.failed, outcome.cached)
        if outcome.ran:
            counters = self.runner.run_client.counters
            self.bar.advance(outcome.failed, outcome.cached, counters.spend_usd)
            self.run_dir.refresh(counters.as_dict())  # readers see live totals
