"""Benchmark the runner against local OpenAI-compatible servers in another process (prints figures, no asserts).

Part 1, per-call CPU (server with no latency, sequential calls, process CPU time per call): litellm as it comes,
litellm with its logging and callbacks off (what the harness does), with a pre-built client passed in, through a
Router with a pre-built deployment, the price-map lookup the harness used to repeat per call, and the harness's
own CPU per generation on top of litellm. `--profile` adds a cProfile listing of litellm's call path.

Part 2, wall time (server latency 200 ms, 32 generations of real tasks, zero_shot, real litellm): concurrency 16
vs 1 -> speed-up (goal >= 10x), next to litellm alone at the same concurrencies; harness overhead per generation
= (run at concurrency 1 - 32 direct litellm calls of the same prompts) / 32, the median of seven such pairs,
every other one with its direct calls first (goal <= 3 ms), and the part of it outside the provider calls (time
inside litellm.acompletion subtracted on both sides: set-up, bookkeeping between calls and conclusion, which
the server's jitter does not move); the concurrency-16 run again with a warm cache, five
times -> the median wall time as a share of the concurrency-16 run (goal <= 5%). Ratios come from one run; the
load average is printed beside them (the machine is shared).

    .venv/bin/python scripts/bench_runner.py [--latency 0.2] [--n 32] [--calls 100] [--profile] [--smoke]

--smoke (run by .ci/run): 4 generations, 5 calls per figure, 20 ms latency: the code runs, the figures mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import resource
import subprocess
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
SERVER = REPO / "tests" / "fakes" / "provider.py"  # the tests' fake provider: prints its api_base
MODEL = "openai/bench"

from harness.config import ExperimentConfig  # noqa: E402
from harness.runner import run_experiment  # noqa: E402
from harness.tasks.suite import load_suite  # noqa: E402


def config(api_base: str, tmp: Path, tasks: list[str], seeds: list[int], concurrency: int, cache: str) -> ExperimentConfig:
    return ExperimentConfig.from_dict({
        "name": "bench",
        "tasks": tasks,
        "seeds": seeds,
        "generators": [{"name": "bench", "kind": "llm", "model": MODEL, "api_base": api_base, "mode": "chat",
                        "strategy": "zero_shot", "pool": {"method": "recent", "k": 10}, "params": {"max_tokens": 300}}],
        "scorers": {"families": ["cost"]},  # the generation path; cost reads usage only (scoring: bench_scoring)
        "execution": {"concurrency": {"global": concurrency}, "output_dir": str(tmp / "results"),
                      "cache_dir": str(tmp / cache)},
    })


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    """The test server in its own process, so its threads do not compete with the harness for the GIL."""
    srv = subprocess.Popen([sys.executable, str(SERVER), "--latency", str(latency), "--max-requests", "100000",
                            "--lifetime", "7200"], stdout=subprocess.PIPE, text=True)
    return srv, srv.stdout.readline().strip()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"


# ----- part 1: per-call CPU ---------------------------------------------------------------------------------


async def _per_call_cpu(call, n: int) -> float:
    """Process CPU milliseconds per call over n sequential calls (after 5 unmeasured ones)."""
    for i in range(5):
        await call(i)
    c0 = time.process_time()
    for i in range(n):
        await call(i)
    return (time.process_time() - c0) / n * 1000


def _messages(i: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"[1] A paper {i}\nWrite a review."}]


async def cpu_section(api_base: str, n: int, profile: bool) -> dict[str, float]:
    import litellm
    from openai import AsyncOpenAI

    from harness.llm.types import LLMRequest
    from harness.llm.client import LiteLLMClient
    from harness.llm.litellm_api import quiet_call

    litellm.suppress_debug_info = True
    base = {"model": MODEL, "api_base": api_base, "api_key": "no-key", "max_retries": 0, "max_tokens": 300}
    client = AsyncOpenAI(base_url=api_base, api_key="no-key", max_retries=0)
    router = litellm.Router(model_list=[{"model_name": "bench", "litellm_params": {
        "model": MODEL, "api_base": api_base, "api_key": "no-key"}}], num_retries=0)
    harness_client = LiteLLMClient()

    async def plain(i):
        await litellm.acompletion(messages=_messages(i), **base)

    async def quiet(i):
        with quiet_call():
            await litellm.acompletion(messages=_messages(i), **base)

    async def quiet_client(i):
        with quiet_call():
            await litellm.acompletion(messages=_messages(i), client=client, **base)

    async def via_router(i):
        with quiet_call():
            await router.acompletion(model="bench", messages=_messages(i), max_tokens=300)

    async def via_harness(i):
        await harness_client.complete(LLMRequest(model=MODEL, stage="bench", messages=_messages(i), max_tokens=300,
                                                 api_base=api_base))

    out = {}
    for name, fn in (("default", plain), ("quiet", quiet), ("client", quiet_client), ("router", via_router),
                     ("harness_client", via_harness), ("default2", plain), ("quiet2", quiet)):
        out[name] = await _per_call_cpu(fn, n)
    out["default"] = min(out.pop("default2"), out["default"])  # the first pass also pays warm-up effects
    out["quiet"] = min(out.pop("quiet2"), out["quiet"])
    out["price_map"] = _price_map_cpu(n)
    if profile:
        pr = cProfile.Profile()
        pr.enable()
        for i in range(n):
            await plain(i)
        pr.disable()
        print(f"\ncProfile of {n} litellm calls as it comes (cumulative, litellm and harness frames):")
        pstats.Stats(pr, stream=sys.stdout).sort_stats("cumulative").print_stats(r"litellm|harness", 25)
    await harness_client.aclose()
    return out


def _price_map_cpu(n: int) -> float:
    """CPU ms of one litellm price-map lookup per call, as the harness did after every call before."""
    import litellm

    c0 = time.process_time()
    for _ in range(n):
        for model in (MODEL, "openai/gpt-4o-mini"):
            try:
                litellm.cost_per_token(model=model, prompt_tokens=1000, completion_tokens=300)
            except Exception:  # noqa: BLE001 - unknown model: what the old lookup paid for too
                pass
    return (time.process_time() - c0) / n / 2 * 1000


def harness_cpu_per_generation(api_base: str, tmp: Path, suite, tasks: list[str], n: int) -> tuple[float, int]:
    """Process CPU ms per generation of a concurrency-1 run at zero server latency (cold cache), and its calls."""
    seeds = list(range(n // len(tasks)))
    # unmeasured warm-up: first-run imports and template compilation are not per-generation costs
    run_experiment(config(api_base, tmp, tasks, [1000], 1, "cpu-warmup"), tasks=suite, progress=False)
    c0 = time.process_time()
    s = run_experiment(config(api_base, tmp, tasks, seeds, 1, "cpu-cache"), tasks=suite, progress=False)
    return (time.process_time() - c0) / s.cells_done * 1000, s.counters["provider_calls"]


def print_cpu(cpu: dict[str, float], gen_cpu: float) -> None:
    d = cpu["default"]
    print(f"per-call CPU, litellm as it comes: {d:.2f} ms")
    for key, label in (("quiet", "logging and callbacks off (harness setting)"),
                       ("client", "  + a pre-built AsyncOpenAI client passed in"),
                       ("router", "  through a Router with a pre-built deployment")):
        print(f"  {label}: {cpu[key]:.2f} ms ({(d - cpu[key]) / d * 100:+.0f}% of litellm's per-call CPU saved)")
    print(f"  price-map lookup once per model instead of per call: {cpu['price_map']:.2f} ms a call saved "
          f"({cpu['price_map'] / d * 100:.0f}% of litellm's per-call CPU)")
    print(f"  LiteLLMClient.complete (harness's client, all of the above): {cpu['harness_client']:.2f} ms")
    print(f"harness CPU per generation (whole cell, concurrency 1, cold cache): {gen_cpu:.2f} ms = litellm "
          f"{cpu['quiet']:.2f} ms + harness {gen_cpu - cpu['quiet']:.2f} ms")


# ----- part 2: wall time ------------------------------------------------------------------------------------


class CallClock:
    """While installed, sums the time spent inside litellm.acompletion (the provider calls), harness's or direct."""

    def __init__(self) -> None:
        self.total = 0.0

    def __enter__(self) -> "CallClock":
        import litellm

        self._orig = original = litellm.acompletion

        async def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                self.total += time.perf_counter() - t0

        litellm.acompletion = timed
        return self

    def __exit__(self, *exc) -> None:
        import litellm

        litellm.acompletion = self._orig


async def direct_calls(api_base: str, prompts: list[list[dict[str, str]]], concurrency: int = 1,
                       clock: CallClock | None = None) -> float:
    """The same calls with no harness around them (the floor for the runs at the same concurrency); a clock
    counts only the timed calls."""
    import litellm

    from harness.llm.litellm_api import quiet_call

    sem = asyncio.Semaphore(concurrency)

    async def one(messages) -> None:
        async with sem:
            with quiet_call():
                await litellm.acompletion(model=MODEL, api_base=api_base, api_key="no-key", max_retries=0,
                                          messages=messages, max_tokens=300)

    await asyncio.gather(*(one(m) for m in prompts[:concurrency]))  # untimed: this loop's connection pool
    if clock is not None:
        clock.total = 0.0
    t0 = time.perf_counter()
    await asyncio.gather(*(one(m) for m in prompts))
    return time.perf_counter() - t0


def per_generation_ms(run_s: float, direct_s: float, n: int) -> float:
    """Milliseconds per generation by which a run took longer than the same calls made directly."""
    return (run_s - direct_s) / n * 1000


def run_prompts(run_dir: str) -> list[list[dict[str, str]]]:
    """The chat messages a run sent (read back from its generations), so direct calls carry the same bytes."""
    from harness.runner.store import read_generations

    out = []
    for gen in read_generations(run_dir).values():
        for prompt in gen.prompts.values():
            out.append([{"role": "user", "content": prompt}])
    return out


def overhead_pairs(api_base: str, tmp: Path, suite, tasks: list[str], seeds: list[int], pairs: int,
                   prompts: list[list[dict[str, str]]]) -> tuple[list[float], list[float]]:
    """Harness overhead per generation (ms) from `pairs` more back-to-back pairs of a concurrency-1 run (fresh
    cache) and the same calls made directly: the server's latency jitter moves both runs of a pair alike, and
    every other pair makes its direct calls first, so a drift over the benchmark's minutes cancels out. Also each
    pair's part outside the provider calls (the run's time around its calls less the direct batch's), which the
    calls' own jitter does not move."""
    def timed_direct(clock: CallClock) -> tuple[float, float]:
        """(wall seconds, seconds inside the calls) of the direct batch."""
        return asyncio.run(direct_calls(api_base, prompts, clock=clock)), clock.total

    total, outside = [], []
    for i in range(pairs):
        with CallClock() as clock:
            first = timed_direct(clock) if i % 2 == 0 else None
            clock.total = 0.0
            s = run_experiment(config(api_base, tmp, tasks, seeds, 1, f"pair{i}"), tasks=suite, progress=False)
            run_calls = clock.total
            direct, direct_inside = first or timed_direct(clock)
        total.append(per_generation_ms(s.wall_s, direct, s.cells_done))
        outside.append(per_generation_ms(s.wall_s - run_calls, direct - direct_inside, s.cells_done))
    return total, outside


def wall_section(api_base: str, tmp: Path, suite, tasks: list[str], n: int, pairs: int = 4) -> None:
    seeds = list(range(n // len(tasks)))
    n = len(tasks) * seeds.__len__()
    # Unmeasured warm-up: imports, litellm's first call path, connection pool, cache file creation.
    run_experiment(config(api_base, tmp, tasks, seeds[:2], 16, "warmup"), tasks=suite, progress=False)
    walls, dirs = {}, {}
    print(f"before the timed runs: {load()}")
    for label, conc, cache in (("c16", 16, "cache16"), ("c1", 1, "cache1"), ("warm", 16, "cache16")):
        s = run_experiment(config(api_base, tmp, tasks, seeds, conc, cache), tasks=suite, progress=False)
        walls[label], dirs[label] = s.wall_s, s.run_dir
        assert s.cells_done == n and s.cells_failed == 0, s
        print(f"{label:>5}: {n} generations in {s.wall_s:6.3f}s  provider calls "
              f"{s.counters['provider_calls']:3d}  cache hits {s.counters['cache_hits']}")
    prompts = run_prompts(dirs["c1"])
    direct = asyncio.run(direct_calls(api_base, prompts))
    direct16 = asyncio.run(direct_calls(api_base, prompts, 16))
    print(f"after the timed runs: {load()}")
    overhead_ms = per_generation_ms(walls["c1"], direct, n)
    harness_x, litellm_x = walls["c1"] / walls["c16"], direct / direct16
    print(f"direct litellm (same prompts): {len(prompts)} sequential calls in {direct:.3f}s "
          f"({direct / len(prompts) * 1000:.1f} ms each), at concurrency 16 {direct16:.3f}s -> {litellm_x:.1f}x")
    print(f"speed-up, concurrency 16 vs 1: {harness_x:.1f}x (goal >= 10x; litellm alone {litellm_x:.1f}x here, "
          f"so the harness reaches {harness_x / litellm_x * 100:.0f}% of litellm's)")
    more, outside = overhead_pairs(api_base, tmp, suite, tasks, seeds, pairs + 2, prompts)
    each = [overhead_ms, *more]
    print(f"harness overhead per generation: {statistics.median(each):.2f} ms, the median of {len(each)} pairs "
          f"({', '.join(f'{x:.2f}' for x in each)} ms; goal <= 3 ms)")
    print(f"  of which outside the provider calls (set-up, bookkeeping between calls, conclusion): "
          f"{statistics.median(outside):.2f} ms, the median of the last {len(outside)} pairs "
          f"({', '.join(f'{x:.2f}' for x in outside)} ms); the rest is the calls taking longer inside the run")
    warm = [walls["warm"], *(run_experiment(config(api_base, tmp, tasks, seeds, 16, "cache16"), tasks=suite,
                                            progress=False).wall_s for _ in range(pairs))]
    print(f"warm-cache run: {statistics.median(warm) / walls['c16'] * 100:.1f}% of the concurrency-16 run's wall "
          f"time, the median of {len(warm)} reruns ({', '.join(f'{w * 1000:.0f}' for w in warm)} ms; goal <= 5%), "
          f"{statistics.median(warm) / walls['c1'] * 100:.1f}% of the concurrency-1 run")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--calls", type=int, default=100, help="sequential calls per per-call CPU figure")
    ap.add_argument("--profile", action="store_true", help="print a cProfile listing of litellm's call path")
    ap.add_argument("--smoke", action="store_true", help="tiny N in seconds (CI): checks the benchmark runs")
    args = ap.parse_args()
    if args.smoke:
        args.latency, args.n, args.calls, args.profile = 0.02, 4, 5, False
    suite = load_suite()
    tasks = list(suite)[:2]
    fast, fast_base = start_server(0.0)
    slow, slow_base = start_server(args.latency)
    try:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            print(f"start: {load()}")
            cpu = asyncio.run(cpu_section(fast_base, args.calls, args.profile))
            gen_cpu, _ = harness_cpu_per_generation(fast_base, tmp, suite, tasks, args.n)
            print_cpu(cpu, gen_cpu)
            wall_section(slow_base, tmp, suite, tasks, args.n, 0 if args.smoke else 4)
    finally:
        for srv in (fast, slow):
            srv.terminate()
            srv.wait(timeout=10)
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
