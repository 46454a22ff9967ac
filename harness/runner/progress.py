"""The run's progress: a rich bar on a TTY, and on any stream a progress line at least every PROGRESS_EVERY_S
(cells done / failed / cached, provider calls, spend, ETA) on stderr (off a terminal) and in run.log."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from typing import Any, Callable

__all__ = ["PROGRESS_EVERY_S", "Progress"]

log = logging.getLogger("harness.runner")

PROGRESS_EVERY_S = 30.0  # the longest a run is silent; HARNESS_PROGRESS_EVERY_S changes it (tests, CI)


def _every_s() -> float:
    try:
        return max(0.05, float(os.environ.get("HARNESS_PROGRESS_EVERY_S", PROGRESS_EVERY_S)))
    except ValueError:
        return PROGRESS_EVERY_S


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class Progress:
    """A rich progress bar on a TTY; a heartbeat line every PROGRESS_EVERY_S to run.log and (no bar) stderr."""

    def __init__(self, total: int, enabled: bool | None, counters: Callable[[], dict[str, Any]] | None = None):
        self.total = total
        self.done = self.failed = self.cached = 0
        self.spend = 0.0
        self.counters = counters or dict
        self.every_s = _every_s()
        self._t0 = time.monotonic()
        self._beat: asyncio.Task | None = None
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

    def line(self) -> str:
        """'progress: 12/48 cells (1 failed, 3 cached); 40 provider calls, 2 cache hits; spend $0.0123; 1m20s
        elapsed, ETA 4m10s'."""
        c = self.counters()
        elapsed = time.monotonic() - self._t0
        eta = _duration(elapsed / self.done * (self.total - self.done)) if self.done else "unknown"
        return (f"progress: {self.done}/{self.total} cells ({self.failed} failed, {self.cached} cached); "
                f"{c.get('provider_calls', 0)} provider calls, {c.get('cache_hits', 0)} cache hits; "
                f"spend ${float(c.get('spend_usd', self.spend) or 0.0):.4f}; {_duration(elapsed)} elapsed, ETA {eta}")

    def emit(self) -> None:
        """One progress line: run.log always, stderr when no bar shows it."""
        text = self.line()
        log.info(text)
        if self._bar is None:
            print(text, file=sys.stderr, flush=True)

    def start(self) -> None:
        """Begin the heartbeat (call inside the run's event loop)."""
        if self.total and self._beat is None:
            self._beat = asyncio.get_running_loop().create_task(self._heartbeat())

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            self.emit()

    def advance(self, failed: bool, cached: bool, spend: float) -> None:
        self.done += 1
        self.failed += int(failed)
        self.cached += int(cached)
        self.spend = spend
        if self._bar is not None:
            self._bar.update(self._task, advance=1, description=self._desc())

    def close(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            self._beat = None
        if self._bar is not None:
            self._bar.stop()
