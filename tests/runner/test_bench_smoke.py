"""Benchmarks that cannot rot (issue 28, item 13): every scripts/bench_*.py takes --smoke (which .ci/run runs in a
loop over the files), and the runner benchmark, broken once by `families: []`, runs end to end in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCHES = sorted((REPO / "scripts").glob("bench_*.py"))


def test_ci_runs_every_benchmark_smoke_in_a_loop() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert "for bench in scripts/bench_*.py" in ci and '"$bench" --smoke' in ci


@pytest.mark.parametrize("bench", BENCHES, ids=[b.name for b in BENCHES])
def test_every_benchmark_takes_smoke(bench: Path) -> None:
    assert '"--smoke"' in bench.read_text(), f"{bench.name} has no --smoke mode"


@pytest.mark.timeout(600)
def test_bench_runner_smoke_runs(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "bench_runner.py"), "--smoke"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=580)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "speed-up, concurrency 16 vs 1" in proc.stdout and "load average" in proc.stdout
