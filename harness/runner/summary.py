"""What one run (or resumed session) did: its counters, status and failures, as the CLI and tests read them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from harness.runner.failures import FailureGroup

__all__ = ["RunSummary"]


class RunSummary(BaseModel):
    """What one run (or resumed session) did; the manifest holds the same counters."""

    run_id: str
    run_dir: str
    status: str
    cells_total: int
    cells_done: int = 0
    cells_resumed: int = 0
    cells_run: int = 0
    cells_failed: int = 0
    cells_cached: int = 0
    cells_not_run: int = 0
    cells_rescored: int = 0
    budget_exhausted: bool = False
    counters: dict[str, Any] = Field(default_factory=dict)
    wall_s: float = 0.0
    score_rows: int = 0
    failures: list[FailureGroup] = Field(default_factory=list)

    def count(self, ran: bool, failed: bool = False, cached: bool = False) -> None:
        """One pending cell's outcome: run (failed or not, served from the cache or not), or not run (budget)."""
        if not ran:
            self.cells_not_run += 1
            return
        self.cells_run += 1
        self.cells_failed += int(failed)
        self.cells_cached += int(cached)

    def closing_line(self) -> str:
        """The run log's last line: status, cells, calls, spend, wall time."""
        c = self.counters
        return (f"run {self.run_id} {self.status}: {self.cells_done}/{self.cells_total} cells done, "
                f"{self.cells_failed} failed, {self.cells_cached} cached, {c.get('provider_calls', 0)} provider "
                f"calls, ${c.get('spend_usd', 0.0):.4f}, {self.wall_s:.1f}s")
