"""README figures against the commands that produce them: a figure in the README that its command no longer
gives fails here (issue 28: the task-free seed figures had rotted)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.tasks.shipped import data_dir

REPO = Path(__file__).resolve().parents[2]
SEED = data_dir().parent / "seeds" / "000_dda1134d5bb5babb.txt"

# The README's sentence on `harness score <seed>` without --task.
SENTENCE = re.compile(r"truncated (\d+), plan references used ([\d.]+), coverage\s+not_applicable, on-topic (\d+) of "
                      r"(\d+) \(cut cosine ([\d.]+) = z ([\d.]+); AUROC ([\d.]+), leave-one-task-out TPR ([\d.]+) / "
                      r"FPR\s+([\d.]+) on (\d+) tasks", re.S)


def _readme_sentence() -> re.Match:
    text = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    m = SENTENCE.search(text)
    assert m, "the README's task-free seed sentence is gone or reworded: update SENTENCE with it"
    return m


@pytest.mark.timeout(900)
@pytest.mark.skipif(not SEED.exists(), reason=f"the shared seed is not at {SEED}")
def test_task_free_seed_figures_match_harness_score() -> None:
    m = _readme_sentence()
    env = {**os.environ, "HARNESS_DATA_DIR": str(data_dir())}
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "score", str(SEED), "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=850)
    assert proc.returncode == 0, proc.stderr[-2000:]
    s = json.loads(proc.stdout.strip().splitlines()[-1])["scores"]
    on = s["citations.on_topic_rate"]
    d = on["details"]
    g = d.get("generic", d)  # the generic calibration's figures (nested by the neighbours method)
    judged = sum(1 for v in d["verdicts"] if v["verdict"] in ("on-topic", "off-topic"))
    got = (f"{s['length.truncated']['value']:g}", f"{s['plan.references_used_rate']['value']:g}",
           str(round(on["value"] * judged)), str(judged), f"{g['threshold']:.3f}", f"{g['z_threshold']:.2f}",
           f"{g['auroc_off_topic']:.3f}", f"{g['loo_tpr']:.3f}", f"{g['loo_fpr']:.3f}", str(len(g["fit_tasks"])))
    assert s["coverage.recall"]["status"] == "not_applicable"
    assert got == m.groups(), f"README says {m.groups()}, `harness score` gives {got}"
