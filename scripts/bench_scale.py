"""Scale-out benchmark: rescore N stored generations of a real run through each executor, printing reviews/s,
CPU-seconds per review and the load average (a benchmark, not a timed test).

    python scripts/bench_scale.py [--run RUN_DIR] [--n 200] [--modes thread,processes,ray] [--cold]

Without --run it uses results/bench-scale-source/<run> (made on first use with the offline generators across
every task in tasks/: 22 tasks x 5 generator variants x 2 seeds = 220 cells, generated and scored for length only). Each mode
gets warm workers first (model loaded, tasks shipped, one scoring per worker), then scores the same N
generations with up to 2 x workers jobs in flight. --cold gives each mode an empty embedding disk cache, so every
review's texts are encoded (the cost on a machine that has not seen them); without it the vectors come from
the machine's disk cache, as in a rescore where the run was made.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
FAMILIES = ["coverage", "citations", "length", "plan", "structure", "cost"]  # offline; no provider call


def source_config(out: Path, smoke: bool = False) -> dict:
    gens = [{"name": f"extractive-k{k}", "kind": "extractive", "k": k, "params": {"relevance": "bm25"}}
            for k in (8, 16, 30)] + [{"name": f"recent-k{k}", "kind": "recent_papers", "k": k} for k in (8, 16)]
    tasks = ["all"]
    if smoke:  # 2 tasks x 1 generator x 1 seed
        gens, tasks = gens[-2:-1], sorted(p.stem for p in (REPO / "tasks").glob("*.json"))[:2]
    return {"name": "bench-scale-source", "tasks": tasks, "tasks_dir": str(REPO / "tasks"), "generators": gens,
            "seeds": [0] if smoke else [0, 1], "scorers": {"families": ["length"]}, "output_dir": str(out),
            "cache_dir": str(out / "cache")}


def source_run(run: str | None, smoke: bool = False) -> Path:
    """The run whose stored generations are rescored (made here when none is given or stored yet; --smoke: a
    tiny one in a temporary directory)."""
    if run:
        return Path(run)
    out = Path(tempfile.mkdtemp(prefix="bench-scale-smoke-")) if smoke else REPO / "results" / "bench-scale-source"
    found = sorted(d for d in out.glob("*") if (d / "generations.jsonl").exists()) if out.exists() else []
    if found:
        return found[-1]
    from harness.config import ExperimentConfig
    from harness.runner import run_experiment

    print(f"making the source run in {out} (offline generators, every task in tasks/) ...", flush=True)
    summary = run_experiment(ExperimentConfig.from_dict(source_config(out, smoke)), progress=False)
    print(f"  {summary.cells_done} cells, {summary.wall_s:.1f}s", flush=True)
    return Path(summary.run_dir)


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (pool workers are children; Ray's are not)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def proc_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the given live processes have used, read from /proc."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            pass
    return total


async def bench_mode(mode: str, gens: list, tasks: dict, contexts: dict, workers: int) -> dict:
    from harness.runner.executors.thread import ThreadExecutor
    from harness.runner.executors.process import ProcessExecutor

    pids: list[int] = []
    if mode == "thread":
        ex = ThreadExecutor()
    elif mode == "processes":
        ex = ProcessExecutor(workers, preload=True)
    else:
        from harness.runner.executors.ray import RayExecutor, connect

        connect(None, num_cpus=workers)
        ex = RayExecutor(None, workers)
    await ex.start(tasks)
    if mode == "processes":
        pids = await ex.warm()
    warm = gens[:4 * max(1, workers)]
    await asyncio.gather(*(ex.score(g, FAMILIES, contexts[g.generator]) for g in warm))  # models loaded
    if mode == "ray":
        from harness.runner.executors.ray import worker_probe

        pids = sorted({pid for pid, _, _ in await asyncio.to_thread(worker_probe, 8)})
    gate = asyncio.Semaphore(2 * max(1, workers))

    async def one(g):
        async with gate:
            return await ex.score(g, FAMILIES, contexts[g.generator])

    cpu0, wcpu0, t0 = cpu_seconds(), proc_cpu(pids), time.perf_counter()
    out = await asyncio.gather(*(one(g) for g in gens))
    wall = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0  # the driver (its children's time only counts once they exit: read /proc)
    worker_cpu = proc_cpu(pids) - wcpu0
    load = os.getloadavg()
    await ex.close()
    errors = sum(1 for scores in out for s in scores if s.status == "error")
    return {"mode": mode, "workers": workers if mode != "thread" else 1, "n": len(gens), "wall": wall,
            "cpu": cpu + worker_cpu, "errors": errors, "load": load}


def _smoke(args) -> None:
    """--smoke: 4 reviews of a 2-task source run made in a temporary directory, one thread, the fast families."""
    global FAMILIES
    args.n, args.modes, args.cold, FAMILIES = 4, "thread", False, ["length", "structure", "cost"]
    args.run = str(source_run(None, smoke=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", help="run directory whose stored generations are rescored")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--modes", default="thread,processes,ray")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cold", action="store_true", help="an empty embedding disk cache for each mode")
    ap.add_argument("--smoke", action="store_true", help="tiny N (CI): a 2-task source run in a temporary "
                    "directory, 4 reviews, one thread, the fast families")
    args = ap.parse_args()
    if args.smoke:
        _smoke(args)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

    from harness.config import ExperimentConfig
    from harness.runner.scoring import scoring_context
    from harness.runner.store import read_generations, read_run_config
    from harness.tasks.suite import load_suite

    run_dir = source_run(args.run)
    config = ExperimentConfig.from_dict(read_run_config(run_dir), source=str(run_dir / "manifest.json"))
    stored = [g for g in read_generations(run_dir).values() if g.review is not None]
    rng = random.Random(0)
    gens = rng.sample(stored, args.n) if len(stored) >= args.n else [rng.choice(stored) for _ in range(args.n)]
    print(f"source: {run_dir} ({len(stored)} stored generations with a review, {len(config.generators)} generators; "
          f"{args.n} drawn {'without' if len(stored) >= args.n else 'WITH'} replacement, seed 0)")
    tasks = load_suite(config.tasks_dir)
    specs = {g.name: g for g in config.generators}
    contexts = {n: scoring_context(config, specs.get(n), judge=False) for n in {g.generator for g in gens}}
    print(f"families {FAMILIES}; {'cold' if args.cold else 'warm'} embedding disk cache; "
          f"{os.cpu_count()} cores; load average before {os.getloadavg()[0]:.2f}")
    if not args.cold:  # fill the disk caches once, untimed, so every mode meets the same warm caches
        from harness.runner.executors.thread import ThreadExecutor

        async def prime() -> float:
            ex, t0 = ThreadExecutor(), time.perf_counter()
            await ex.start(tasks)
            await asyncio.gather(*(ex.score(g, FAMILIES, contexts[g.generator]) for g in gens))
            await ex.close()
            return time.perf_counter() - t0

        print(f"priming the disk caches (one thread, untimed): {asyncio.run(prime()):.1f}s", flush=True)
    rows = []
    for mode in args.modes.split(","):
        if args.cold:
            os.environ["HARNESS_CACHE_DIR"] = tempfile.mkdtemp(prefix=f"bench-scale-{mode}-")
            import harness.embeddings.encoder as emb

            emb._embedder = None  # the driver's embedder reopens the (new) disk cache too
        r = asyncio.run(bench_mode(mode, gens, tasks, contexts, args.workers))
        rows.append(r)
        print(f"{r['mode']:>10} x{r['workers']}: {r['n'] / r['wall']:7.2f} reviews/s  wall {r['wall']:7.1f}s  "
              f"{r['cpu'] / r['n'] * 1000:7.1f} CPU-ms/review  errors {r['errors']}  "
              f"load {r['load'][0]:.2f} {r['load'][1]:.2f} {r['load'][2]:.2f}", flush=True)
    if "ray" in args.modes:
        from harness.runner.executors.ray import shutdown

        shutdown()
    base = rows[0]
    for r in rows[1:]:
        print(f"{r['mode']} vs {base['mode']}: {base['wall'] / r['wall']:.2f}x the reviews/s")
    per = min(r["cpu"] / r["n"] for r in rows)
    for machines in (1, 4, 16):
        hours = 10_000 * per / (machines * 2) / 3600
        print(f"projection: 10,000 reviews on {machines:>2} machine(s) of 2 cores at {per:.3f} CPU-s/review "
              f"(linear, driver not limiting): {hours * 60:.1f} min")


if __name__ == "__main__":
    main()
