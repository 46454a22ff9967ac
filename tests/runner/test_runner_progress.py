"""Progress off a terminal (issue 28, item 11): a line at least every PROGRESS_EVERY_S (cells done/failed, calls,
spend, ETA) on stderr and in run.log, so a CI log is never silent for minutes."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from harness.runner import run_experiment
from harness.runner.progress import PROGRESS_EVERY_S

from .helpers import TASKS, make_config

LINE = re.compile(r"progress: (\d+)/(\d+) cells \((\d+) failed, \d+ cached\); (\d+) provider calls, \d+ cache hits; "
                  r"spend \$[\d.]+; \d+m\d\ds elapsed, ETA (unknown|\d+m\d\ds)")


def test_the_default_interval_is_at_most_30_seconds() -> None:
    assert PROGRESS_EVERY_S <= 30


@pytest.mark.timeout(300)
def test_progress_lines_reach_stderr_and_run_log_off_a_terminal(server, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HARNESS_PROGRESS_EVERY_S", "0.25")
    server.latency_s = 0.4
    cfg = make_config(server.api_base, tmp_path, tasks=[TASKS[0]], offline=False, seeds=[0, 1, 2, 3],
                      concurrency={"global": 1})
    summary = run_experiment(cfg, progress=None)  # pytest's stderr is no terminal: no bar, lines instead
    err = [m for m in (LINE.search(ln) for ln in capsys.readouterr().err.splitlines()) if m]
    assert summary.status == "complete" and len(err) >= 4
    assert all(m.group(2) == "4" for m in err) and err[-1].group(1) in ("3", "4")
    assert any(int(m.group(4)) > 0 for m in err) and any(m.group(5) != "unknown" for m in err)
    log = (Path(summary.run_dir) / "run.log").read_text().splitlines()
    assert len([ln for ln in log if LINE.search(ln)]) == len(err)
    # from the session's first line to its last, no gap longer than a few intervals (0.25 s; slack for load)
    stamps = [datetime.strptime(ln[:23], "%Y-%m-%d %H:%M:%S,%f") for ln in log if ln[:4].isdigit()]
    gaps = [(b - a).total_seconds() for a, b in zip(stamps, stamps[1:])]
    assert (stamps[-1] - stamps[0]).total_seconds() > 1.6 and max(gaps) < 2.0, gaps
