"""Benchmark the runner against a local OpenAI-compatible server with 200 ms latency (prints figures, no asserts).

32 generations (real tasks, the zero_shot LLM generator, real litellm) at concurrency 16 vs 1 -> speed-up (goal
>= 10x); harness overhead per generation = (run at concurrency 1 - 32 direct litellm calls) / 32 (goal <= 5 ms);
the same run again with a warm cache -> its wall time as a share of the first run (goal <= 5%).

    .venv/bin/python scripts/bench_runner.py [--latency 0.2] [--n 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
SERVER = REPO / "tests" / "runner" / "openai_server.py"

from harness.config import ExperimentConfig  # noqa: E402
from harness.runner import run_experiment  # noqa: E402
from harness.tasks import load_suite  # noqa: E402


def config(api_base: str, tmp: Path, tasks: list[str], seeds: list[int], concurrency: int, cache: str) -> ExperimentConfig:
    return ExperimentConfig.from_dict({
        "name": "bench",
        "tasks": tasks,
        "seeds": seeds,
        "generators": [{"name": "bench", "kind": "llm", "model": "openai/bench", "api_base": api_base, "mode": "chat",
                        "strategy": "zero_shot", "pool": {"method": "recent", "k": 10}, "params": {"max_tokens": 300}}],
        "scorers": {"families": []},  # generation path only: scoring cost is the scorers' benchmark
        "concurrency": {"global": concurrency},
        "output_dir": str(tmp / "results"),
        "cache_dir": str(tmp / cache),
    })


async def direct_calls(api_base: str, n: int, concurrency: int = 1) -> float:
    """n litellm calls with no harness around them (the floor for the runs at the same concurrency)."""
    import litellm

    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with sem:
            await litellm.acompletion(model="openai/bench", api_base=api_base, api_key="no-key", max_retries=0,
                                      messages=[{"role": "user", "content": f"[1] A paper {i}\nWrite a review."}],
                                      max_tokens=300)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--n", type=int, default=32)
    args = ap.parse_args()
    suite = load_suite()
    tasks = list(suite)[:2]
    seeds = list(range(args.n // len(tasks)))
    n = len(tasks) * len(seeds)
    # The server runs in its own process so its threads do not compete with the harness for the GIL.
    srv = subprocess.Popen([sys.executable, str(SERVER), str(args.latency)], stdout=subprocess.PIPE, text=True)
    try:
        api_base = srv.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            asyncio.run(direct_calls(api_base, 2))  # warm imports and the connection pool
            direct = asyncio.run(direct_calls(api_base, n))
            direct16 = asyncio.run(direct_calls(api_base, n, 16))
            walls = {}
            for label, conc, cache in (("c16", 16, "cache16"), ("c1", 1, "cache1"), ("warm", 16, "cache16")):
                s = run_experiment(config(api_base, tmp, tasks, seeds, conc, cache), tasks=suite, progress=False)
                walls[label] = s.wall_s
                assert s.cells_done == n and s.cells_failed == 0, s
                print(f"{label:>5}: {n} generations in {s.wall_s:6.3f}s  provider calls "
                      f"{s.counters['provider_calls']:3d}  cache hits {s.counters['cache_hits']}")
    finally:
        srv.terminate()
        srv.wait(timeout=10)
    per_call = direct / n
    overhead_ms = (walls["c1"] - direct) / n * 1000
    print(f"direct litellm: {n} sequential calls in {direct:.3f}s ({per_call * 1000:.1f} ms each)")
    print(f"direct litellm at concurrency 16: {direct16:.3f}s -> litellm alone reaches {direct / direct16:.1f}x "
          f"(its per-call CPU bounds the harness's speed-up on this machine)")
    print(f"speed-up, concurrency 16 vs 1: {walls['c1'] / walls['c16']:.1f}x (goal >= 10x)")
    print(f"harness overhead per generation: {overhead_ms:.2f} ms (goal <= 5 ms)")
    print(f"warm-cache run: {walls['warm'] / walls['c1'] * 100:.1f}% of the first (concurrency-1) run's wall time, "
          f"{walls['warm'] / walls['c16'] * 100:.1f}% of the concurrency-16 run (goal <= 5%)")


if __name__ == "__main__":
    main()
