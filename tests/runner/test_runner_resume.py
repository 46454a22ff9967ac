"""Kill -9 mid-run and resume: one row per cell x score, no gaps, no duplicates, no torn lines, little redone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from harness.core.errors import HarnessError
from harness.runner import run_experiment
from harness.runner.store import RunStore, read_generations, read_manifest, read_scores
from harness.scorers import NAMES

from fakes.provider import FaultServer

from .helpers import FAMILIES, TASKS, config_dict, write_config

REPO = Path(__file__).resolve().parents[2]
SCORE_NAMES = {n for f in FAMILIES for n in NAMES[f]}


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _assert_clean_jsonl(run: Path) -> None:
    for name in ("generations.jsonl", "scores.jsonl", "errors.jsonl"):
        p = run / name
        if p.exists() and p.stat().st_size:
            raw = p.read_bytes()
            assert raw.endswith(b"\n"), f"{name} ends in a partial line"
            for line in raw.decode().splitlines():
                json.loads(line)


def test_sigkill_half_way_then_resume_gives_exactly_one_row_per_cell_and_score(tmp_path):
    with FaultServer(latency_s=0.4, max_requests=200, lifetime_s=600) as srv:
        data = config_dict(srv.api_base, tmp_path, seeds=[0, 1, 2], llm=2, concurrency={"global": 2}, timeout_s=120)
        cfg = write_config(tmp_path / "cfg.yaml", data)
        run = tmp_path / "results" / "killed"
        total = len(TASKS) * 4 * 3
        env = dict(os.environ, PYTHONPATH=str(REPO))
        proc = subprocess.Popen([sys.executable, "-c", "from harness.cli import main; main()", "run", str(cfg),
                                 "--resume", str(run)], cwd=tmp_path, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        gen_file = run / "generations.jsonl"
        deadline = time.monotonic() + 240  # a cold start imports litellm: slow on a busy machine
        while _lines(gen_file) < 4 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
        done_at_kill = {c.key for c in read_generations(run)}
        assert 4 <= len(done_at_kill) < total, "the kill must land mid-run"
        assert read_manifest(run)["status"] == "running"
        llm_pending = [c for c in (f"{t}|fake-{i}|{s}" for t in TASKS for i in (0, 1) for s in (0, 1, 2))
                       if c not in done_at_kill]

        summary = run_experiment(cfg, run_dir=run, progress=False)

    assert summary.status == "complete" and summary.cells_done == total
    assert summary.cells_resumed == len(done_at_kill) and summary.cells_run == total - len(done_at_kill)
    # only the cells not stored at the kill were generated again (in-flight ones may come from the cache)
    c = summary.counters
    assert c["provider_calls"] + c["cache_hits"] == len(llm_pending) and c["retries"] == 0
    _assert_clean_jsonl(run)
    gens = read_generations(run)
    assert len(gens) == total and _lines(run / "generations.jsonl") == total
    df = read_scores(run)
    assert df.select(["cell", "score"]).is_duplicated().sum() == 0
    per_cell = df.group_by("cell").agg(pl.col("score").n_unique().alias("n"))
    assert per_cell.height == total and set(per_cell["n"]) == {len(SCORE_NAMES)}
    assert df.height == total * len(SCORE_NAMES)
    m = read_manifest(run)
    assert m["status"] == "complete" and len(m["sessions"]) == 2

    # the same config run uninterrupted (from the warm cache) scores every cell the same
    fresh = run_experiment(cfg, progress=False)
    assert fresh.counters["provider_calls"] == 0
    same = pl.col("score") != "cost.latency_s"
    ref = read_scores(tmp_path / "results" / fresh.run_id)
    assert ref.filter(same).sort(["cell", "score"]).equals(df.filter(same).sort(["cell", "score"]))


def test_torn_lines_are_cut_and_unscored_generations_are_scored_on_resume(server, tmp_path):
    cfg = write_config(tmp_path / "cfg.yaml", config_dict(server.api_base, tmp_path, tasks=[TASKS[0]]))
    run = tmp_path / "results" / "torn"
    first = run_experiment(cfg, run_dir=run, progress=False)
    assert first.cells_done == 3
    # simulate kills: scores of the last cell never written, then a torn half line in both logs
    scores_log = run / "scores.jsonl"
    kept = scores_log.read_text().splitlines()[:-1]
    scores_log.write_text("\n".join(kept) + "\n" + '{"cell": "x|y|0", "sco')
    with open(run / "generations.jsonl", "a") as fh:
        fh.write('{"cell": "half|line|0", "task_id": "ha')
    (run / "scores.parquet").unlink()
    assert len(read_generations(run)) == 3  # readers ignore a torn last line
    assert read_scores(run)["cell"].n_unique() == 2  # rebuilt from scores.jsonl, last cell unscored
    calls = server.count
    again = run_experiment(cfg, run_dir=run, progress=False)
    assert again.cells_rescored == 1 and again.cells_run == 0 and server.count == calls
    _assert_clean_jsonl(run)
    df = read_scores(run)
    assert df["cell"].n_unique() == 3 and df.select(["cell", "score"]).is_duplicated().sum() == 0
    assert RunStore(run).completed_cells() == set(read_generations(run))


def test_one_process_at_a_time_writes_a_run_directory(tmp_path):
    first = RunStore(tmp_path / "run")
    with pytest.raises(HarnessError, match="in use by another harness process"):
        RunStore(tmp_path / "run")
    first.close()
    RunStore(tmp_path / "run").close()  # released on close (and by the OS when a process dies)
