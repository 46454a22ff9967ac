"""Kill and resume: SIGKILL `python -m harness.cli run` at seeded random points, resume each time, and check the
final run equals an uninterrupted one — same cells, same scores, no duplicate rows, no torn lines anywhere."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from fakes.provider import FaultServer

from .conftest import REPO

SEED = 20240611
KILLS = 5
FAMILIES = ["length", "cost", "structure"]  # no embedding model: each resumed process starts fast
VOLATILE = ("latency", "wall", "time")  # score names that measure time, which differs between runs


def write_config(path: Path, server: FaultServer, tasks_dir: Path, out: Path, cache: Path) -> Path:
    """2 tasks x 2 litellm generators (1 and 2 calls per cell) x 4 seeds = 16 cells, concurrency 2."""
    gens = [{"name": "k-chat", "kind": "llm", "model": "openai/kill-chat", "strategy": "zero_shot", "mode": "chat",
             "api_base": server.api_base, "price": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}},
            {"name": "k-plan", "kind": "llm", "model": "openai/kill-plan", "strategy": "plan_then_write",
             "mode": "chat", "api_base": server.api_base, "price": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}}]
    cfg = {"name": "kill-resume", "tasks": ["rel-alpha", "rel-beta"], "tasks_dir": str(tasks_dir),
           "generators": gens, "seeds": [0, 1, 2, 3], "concurrency": {"global": 2}, "timeout_s": 60,
           "retries": {"max_attempts": 3, "base_delay_s": 0.05, "max_delay_s": 2},
           "scorers": {"families": FAMILIES}, "output_dir": str(out), "cache_dir": str(cache)}
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(REPO), LITELLM_LOCAL_MODEL_COST_MAP="True", HF_HUB_OFFLINE="1",
               HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", HOME=str(tmp / "home"))
    return env


def _cmd(cfg: Path, run_dir: Path | None) -> list[str]:
    cmd = [sys.executable, "-m", "harness.cli", "run", str(cfg)]
    return cmd + (["--resume", str(run_dir)] if run_dir is not None else [])


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _run_dir(out: Path) -> Path | None:
    dirs = [d for d in out.iterdir() if d.is_dir()] if out.exists() else []
    assert len(dirs) <= 1, f"a resumed session started a second run directory: {dirs}"
    return dirs[0] if dirs else None


def check_files_whole(run_dir: Path) -> None:
    """Every .jsonl line parses and ends with a newline; manifest.json parses; no temp file is left."""
    for p in sorted(run_dir.iterdir()):
        if p.suffix == ".jsonl":
            data = p.read_bytes()
            assert data == b"" or data.endswith(b"\n"), f"{p.name}: torn last line"
            for i, line in enumerate(data.split(b"\n")[:-1], 1):
                try:
                    json.loads(line)
                except ValueError as exc:
                    raise AssertionError(f"{p.name}:{i}: not JSON ({exc}): {line[:200]!r}") from None
    json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    leftovers = [p.name for p in run_dir.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers, f"temp files left behind: {leftovers}"


def comparable(run_dir: Path) -> dict[tuple[str, str], tuple]:
    from harness.runner.store import read_scores

    df = read_scores(run_dir)
    assert df.select(["cell", "score"]).is_duplicated().sum() == 0, "duplicate (cell, score) rows"
    out = {}
    for r in df.iter_rows(named=True):
        if any(v in r["score"] for v in VOLATILE):
            continue
        value = None if r["value"] is None else round(r["value"], 9)
        out[(r["cell"], r["score"])] = (value, r["status"])
    return out


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_sigkill_at_random_points_then_resume_equals_uninterrupted(tmp_path: Path, tasks_dir: Path,
                                                                  warm_litellm: None) -> None:
    from harness.runner import run_experiment
    from harness.runner.store import iter_jsonl

    rng = random.Random(SEED)
    env = _env(tmp_path)
    with FaultServer(max_requests=500, lifetime_s=220, latency_s=0.3) as server:
        # the uninterrupted reference, in process, with its own cache
        ref_cfg = write_config(tmp_path / "ref.yaml", server, tasks_dir, tmp_path / "ref-out", tmp_path / "ref-cache")
        ref = run_experiment(ref_cfg, progress=False)
        assert ref.status == "complete" and ref.cells_done == 16 and ref.cells_failed == 0
        expected = comparable(Path(ref.run_dir))
        assert expected

        cfg = write_config(tmp_path / "kill.yaml", server, tasks_dir, tmp_path / "out", tmp_path / "cache")
        kills: list[str] = []
        for k in range(KILLS):
            run_dir = _run_dir(tmp_path / "out")
            gen_file = run_dir / "generations.jsonl" if run_dir else None
            before = _lines(gen_file) if gen_file else 0
            log = open(tmp_path / f"session-{k}.log", "wb")
            proc = subprocess.Popen(_cmd(cfg, run_dir), cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                seen = len(server.records)
                n, extra = rng.randint(1, 3), rng.uniform(0.0, 0.35)
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and proc.poll() is None:
                    if k % 2 == 0:  # n more requests reached the server: kills land mid-call
                        if len(server.records) >= seen + n:
                            break
                    else:  # n more cells on disk: kills land mid-write, mid-scoring or between cells
                        d = _run_dir(tmp_path / "out")
                        if d is not None and _lines(d / "generations.jsonl") >= before + n:
                            break
                    time.sleep(0.01)
                time.sleep(extra)
                how = f"after {n} more {'requests' if k % 2 == 0 else 'cells'} + {extra:.2f}s"
                finished = proc.poll() is not None
                if not finished:
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
            finally:
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=30)
                log.close()
            kills.append(how + (" (had finished)" if finished else f" rc={proc.returncode}"))
            d = _run_dir(tmp_path / "out")
            if d is not None and (d / "manifest.json").exists():
                json.loads((d / "manifest.json").read_text(encoding="utf-8"))  # atomic: always whole
        print("kill points:", kills)
        killed = [k for k in kills if "rc=-9" in k]
        assert len(killed) >= 5, f"fewer than 5 kills landed mid-run: {kills}"

        # the final, uninterrupted resume
        run_dir = _run_dir(tmp_path / "out")
        assert run_dir is not None, f"no run directory after {kills}"
        proc = subprocess.run(_cmd(cfg, run_dir), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    check_files_whole(run_dir)
    cells = [r["cell"] for r in iter_jsonl(run_dir / "generations.jsonl")]
    assert sorted(cells) == sorted(set(cells)), f"duplicate generation rows: {sorted(cells)}"
    scored = [r["cell"] for r in iter_jsonl(run_dir / "scores.jsonl")] if (run_dir / "scores.jsonl").exists() else []
    assert sorted(scored) == sorted(set(scored)), "a cell was scored twice"
    assert len(set(cells)) == 16
    got = comparable(run_dir)
    assert set(got) == set(expected), f"cells/scores differ: missing {set(expected) - set(got)}, " \
                                      f"extra {set(got) - set(expected)}"
    diff = {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
    assert not diff, f"scores differ from the uninterrupted run (kills: {kills}): {diff}"
    from harness.runner.store import read_manifest

    m = read_manifest(run_dir)
    assert m["status"] == "complete" and m["cells_done"] == 16
    assert len(m["sessions"]) == KILLS + 1
    # nothing computed is lost: the run's spend covers at least every provider call stored in its generations
    # (calls made by killed sessions included; budget_usd is checked against this total)
    from harness.runner.store import read_generations

    stored = sum(c.cost_usd or 0.0 for g in read_generations(run_dir).values() for c in g.calls if not c.cached)
    calls = sum(1 for g in read_generations(run_dir).values() for c in g.calls if not c.cached)
    assert m["counters"]["provider_calls"] >= calls, \
        f"manifest counts {m['counters']['provider_calls']} provider calls, generations hold {calls}"
    assert m["counters"]["spend_usd"] >= stored - 1e-12, \
        f"manifest spend ${m['counters']['spend_usd']:.6f} < ${stored:.6f} recorded in generations: " \
        "killed sessions' spend was lost"
