"""A fixed offline matrix scores the same as it did before the re-layering (issue 29): reviews and scores.jsonl
compared byte for byte in canonical form, timing fields aside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "data" / "same_results"
TIMING = {"time", "latency_s"}
TIMING_SCORES = {"cost.latency_s"}  # wall time, a timing field in score form
RECORD = os.environ.get("HARNESS_RECORD_SAME_RESULTS") == "1"


def _canonical(value):
    """Timing keys dropped; floats to 6 significant digits, because float32 kernels differ in their last bits
    between CPUs (the recording machine and CI's); every other byte must match."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [_canonical(v) for v in value if not (isinstance(v, dict) and v.get("name") in TIMING_SCORES)]
    if isinstance(value, float):
        return float(f"{value:.6g}")
    return value


def _lines(path: Path) -> list[str]:
    rows = [json.dumps(_canonical(json.loads(line)), sort_keys=True, ensure_ascii=False) for line in path.open()]
    return sorted(rows)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, shared_dir) -> Path:
    out = tmp_path_factory.mktemp("same")
    config = out / "matrix.yaml"
    config.write_text((HERE / "matrix.yaml").read_text() + f"execution: {{output_dir: {out / 'results'}}}\n")
    # its own empty cache: a vector already on disk may come from another batch and differ in its last bits
    env = {**os.environ, "HARNESS_CACHE_DIR": str(out / "cache")}
    done = subprocess.run([sys.executable, "-m", "harness.cli", "run", str(config)], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    (found,) = (out / "results").iterdir()
    return found


@pytest.mark.parametrize("name", ["generations.jsonl", "scores.jsonl"])
def test_matrix_output_is_byte_identical_to_the_recording(run_dir: Path, name: str) -> None:
    got = "\n".join(_lines(run_dir / name)) + "\n"
    golden = HERE / name
    if RECORD:
        golden.write_text(got)
    assert got == golden.read_text(), f"{name} differs from the recording in {golden}"
