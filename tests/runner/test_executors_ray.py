"""The Ray executor on a real local cluster (started on 127.0.0.1, 2 CPUs): a matrix scored there equals the local
executor's, and a run SIGKILLed mid-way and resumed under Ray ends with every cell exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

ray = pytest.importorskip("ray")

from harness.runner.executors.base import OffloadingExecutor  # noqa: E402
from harness.runner.executors.ray import RayExecutor, connect, shutdown, worker_probe  # noqa: E402

from .executor_matrix import config_dict, results, write_config, write_suite  # noqa: E402
from .test_executors import run_matrix  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[str]:
    """A local Ray cluster on 127.0.0.1 with 2 CPUs for the session (or the session's own, $RAY_ADDRESS); its
    GCS address, which subprocess drivers connect to. Stopped, agents included, at the end."""
    own = not os.environ.get("RAY_ADDRESS")
    connect(None if own else os.environ["RAY_ADDRESS"], num_cpus=2)
    address = ray.get_runtime_context().gcs_address
    try:
        yield address
    finally:
        if own:
            shutdown()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_matrix_on_ray_gives_the_same_cells_and_scores_as_the_local_executor(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ray_cluster: str) -> None:
    monkeypatch.delenv("HARNESS_DISK_CACHE", raising=False)  # one set of vectors for both (see test_executors)
    local, _ = run_matrix(tmp_path, "local", monkeypatch, HARNESS_EXECUTOR="local", HARNESS_WORKERS="1")
    on_ray, used = run_matrix(tmp_path, "ray", monkeypatch, HARNESS_EXECUTOR="ray", RAY_ADDRESS=ray_cluster)
    assert isinstance(used, RayExecutor)
    assert used.remote_jobs == 24 and used.driver_jobs == 0  # 12 generations + 12 scorings, all on Ray workers
    probes = worker_probe(6)
    assert os.getpid() not in {pid for pid, _, _ in probes}  # the work ran in worker processes, not the driver
    assert all(loads <= 1 for _, loads, _ in probes), probes  # the embedding model loaded once per worker
    assert any(runs >= 1 for _, _, runs in probes), probes  # the run's tasks reached the workers (fetched once each)
    a, b = results(local), results(on_ray)
    assert len(a["generations"]) == 12 and len(a["scores"]) > 12 * 10
    assert a["generations"] == b["generations"]
    assert a["scores"] == b["scores"]


def _driver_env(address: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYTHONPATH=str(REPO), LITELLM_LOCAL_MODEL_COST_MAP="True", HF_HUB_OFFLINE="1",
               HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", HARNESS_EXECUTOR="ray",
               RAY_ADDRESS=address, RAY_USAGE_STATS_ENABLED="0")
    env.pop("HARNESS_WORKERS", None)
    return env


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _progress(run_dir: Path) -> int:
    """Lines of generations and scores written: a resumed session may only score cells generated before."""
    return _lines(run_dir / "generations.jsonl") + _lines(run_dir / "scores.jsonl")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigkill_mid_run_on_ray_then_resume_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         ray_cluster: str) -> None:
    from harness.runner.store import iter_jsonl, read_manifest
    from tests.reliability.test_kill_resume import check_files_whole

    monkeypatch.delenv("HARNESS_DISK_CACHE", raising=False)
    tasks, replay = write_suite(tmp_path)
    ref, _ = run_matrix(tmp_path, "ref", monkeypatch, HARNESS_EXECUTOR="local", HARNESS_WORKERS="1")
    expected = results(ref)
    cfg = write_config(tmp_path / "kill.yaml", config_dict(tmp_path, tasks, replay, "kill"))
    out = tmp_path / "kill" / "results"
    rng, env, kills = random.Random(20261202), _driver_env(ray_cluster), []
    run_dir: Path | None = None
    for k in range(3):
        before = _progress(run_dir) if run_dir else 0
        cmd = [sys.executable, "-m", "harness.cli", "run", str(cfg)] + (["--resume", str(run_dir)] if run_dir else [])
        with open(tmp_path / f"session-{k}.log", "wb") as log:
            proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
            n, deadline = rng.randint(1, 3), time.monotonic() + 240
            while time.monotonic() < deadline and proc.poll() is None:
                dirs = [d for d in out.iterdir() if d.is_dir()] if out.exists() else []
                if dirs and _progress(dirs[0]) >= before + n:
                    break
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.3) if k == 0 else 0.0)  # a resumed session with few cells left is killed at once
            finished = proc.poll() is not None
            if not finished:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
        kills.append(f"after {n} more lines: " + ("had finished" if finished else f"rc={proc.returncode}"))
        dirs = [d for d in out.iterdir() if d.is_dir()]
        assert len(dirs) == 1, f"a resumed session started a second run directory: {dirs}"
        run_dir = dirs[0]
    # the first kill must land mid-run; a later one may find its resumed session already done when the first kill
    # came late (Ray hands results back in bursts, so how far a session got before its kill varies run to run)
    assert "rc=-9" in kills[0], f"the first kill did not land mid-run: {kills}"
    final = subprocess.run([sys.executable, "-m", "harness.cli", "run", str(cfg), "--resume", str(run_dir)],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr[-3000:]

    check_files_whole(run_dir)
    cells = [r["cell"] for r in iter_jsonl(run_dir / "generations.jsonl")]
    scored = [r["cell"] for r in iter_jsonl(run_dir / "scores.jsonl")]
    assert sorted(cells) == sorted(set(cells)) and len(cells) == 12, f"kills {kills}: generations {sorted(cells)}"
    assert sorted(scored) == sorted(set(scored)) and len(scored) == 12, f"kills {kills}: scores {sorted(scored)}"
    got = results(run_dir)
    assert got["generations"] == expected["generations"]
    assert got["scores"] == expected["scores"], f"scores differ from the uninterrupted run (kills: {kills})"
    m = read_manifest(run_dir)
    assert m["status"] == "complete" and m["cells_done"] == 12 and len(m["sessions"]) == 4
