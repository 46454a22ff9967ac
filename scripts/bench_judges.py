"""Benchmark: `harness judges validate` wall time, each run a new process (imports and model load included).

- warm: `similarity` on SciFact with the embedding and calibration caches warm, measured again (--no-cache,
  so the method runs) and as a card-cache hit; goal <= 20 s;
- cold: every shipped support set with `similarity`, in a fresh cache dir (no embeddings, calibrations or
  cards: the model loads and every text is embedded); goal <= 180 s for all of them together.
Prints the load average beside the figures (2 shared cores: compare ratios measured in one run).

Run: .venv/bin/python scripts/bench_judges.py [--smoke]   (--smoke: the warm figures on a 40-label SciFact
sample, no cold part: what CI runs)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUPPORT_SETS = ("scifact", "check-covid", "expertqa", "wice")
WARM_GOAL_S, COLD_GOAL_S = 20.0, 180.0


def validate(labels: str, env: dict[str, str], *extra: str) -> tuple[float, dict]:
    """Wall seconds and the --json card of one `harness judges validate --judge support --method similarity`
    (the card also gets "_cpu_s": the process's user + system CPU seconds, which the load stretches less)."""
    cmd = [sys.executable, "-m", "harness.cli", "judges", "validate", "--judge", "support", "--method",
           "similarity", "--labels", labels, "--json", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {out.stderr.strip()[-400:]}")
    return wall, {**json.loads(out.stdout), "_cpu_s": cpu}


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="warm figures on a 40-label SciFact sample only (CI)")
    args = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
           "TOKENIZERS_PARALLELISM": "false"}
    print(f"load average at start: {load()}")
    sample = ("--limit", "40") if args.smoke else ()
    validate("scifact", env, "--no-cache", *sample)  # warm the caches (embeddings, calibration)
    warm, card = validate("scifact", env, "--no-cache", *sample)
    hit, _ = validate("scifact", env, *sample)
    o = card["figures"]["overall"]
    print(f"warm: similarity on SciFact{' (40-label sample)' if args.smoke else ''}, method run again {warm:.1f} s "
          f"({card['_cpu_s']:.1f} s CPU; goal <= {WARM_GOAL_S:.0f} s: "
          f"{'met' if warm <= WARM_GOAL_S else 'MISSED'}); card-cache hit {hit:.1f} s; n {o['n']}, AUROC "
          f"{o['auroc']['value']:.3f}; load {load()}")
    if args.smoke:
        return
    total, cpu_total, cold_s = 0.0, 0.0, {}
    with tempfile.TemporaryDirectory() as cold_dir:
        cold_env = {**env, "HARNESS_CACHE_DIR": cold_dir}
        for name in SUPPORT_SETS:
            wall, card = validate(name, cold_env)
            total += wall
            cpu_total += card["_cpu_s"]
            cold_s[name] = wall
            o = card["figures"]["overall"]
            print(f"cold: {name} n {o['n']} in {wall:.1f} s, {card['_cpu_s']:.1f} s CPU (AUROC "
                  f"{o['auroc']['value']:.3f}); load {load()}", flush=True)
    print(f"cold total, every shipped support set: {total:.1f} s, {cpu_total:.1f} s CPU (goal <= {COLD_GOAL_S:.0f} s: "
          f"{'met' if total <= COLD_GOAL_S else 'MISSED'}); SciFact warm / cold: {warm / cold_s['scifact']:.2f}; "
          f"load {load()}")


if __name__ == "__main__":
    main()
