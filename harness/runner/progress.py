"""The run's progress display: a rich bar on a TTY (cells done / failed / cached, spend), nothing otherwise."""

from __future__ import annotations

import sys

__all__ = ["Progress"]


class Progress:
    """A rich progress bar on a TTY (cells done / failed / cached, spend); the run log has the lines otherwise."""

    def __init__(self, total: int, enabled: bool | None):
        self.total = total
        self.done = self.failed = self.cached = 0
        self.spend = 0.0
        if enabled is None:
            enabled = sys.stderr.isatty()
        self._bar = None
        if enabled and total:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("[bold]cells"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.description}"), TimeElapsedColumn(), transient=False)
            self._task = self._bar.add_task(self._desc(), total=total)
            self._bar.start()

    def _desc(self) -> str:
        return f"failed {self.failed} · cached {self.cached} · spend ${self.spend:.4f}"

    def advance(self, failed: bool, cached: bool, spend: float) -> None:
        self.done += 1
        self.failed += int(failed)
        self.cached += int(cached)
        self.spend = spend
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self._desc())

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
