"""Aggregate decode tokens/s of the local model with 1 to 16 sequences at once, idle and with one core busy.

Starts its own server (the harness's command line and environment: llama-server when installed,
else llama_cpp.server) on a free loopback port, sends k requests at once and divides the completion tokens of
all k by the wall time from the first request sent to the last reply. Goal (issue 31): with parallel sequences,
>= 2x one sequence's tokens/s, measured in the same run. `--server both` also measures llama_cpp.server;
`--server spin` measures the harness's server with OpenMP's spin count 0 (purely passive waiting) before its own.

    .venv/bin/python scripts/bench_local_llm.py [--tokens 128] [--server harness|python|both|spin] [--smoke]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import subprocess
import time
import urllib.request

from harness.llm import local_server as local_llm
PARALLEL = (1, 2, 4, 8, 16)  # sequences at once; the server gets max(PARALLEL) slots, as many as harness starts
TOPICS = ("graph neural networks", "time-series forecasting", "protein structure prediction",
          "retrieval-augmented generation")


def _post(port: int, body: dict, timeout: float = 900) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


def _spin(stop: multiprocessing.Event) -> None:
    while not stop.is_set():
        pass


def aggregate(port: int, k: int, tokens: int, tag: str) -> tuple[float, int, float]:
    """(tokens/s over all k sequences, tokens, seconds): k distinct prompts sent at once, EOS ignored."""
    bodies = [{"prompt": f"[{tag}-{i}] A survey of {TOPICS[i % len(TOPICS)]}. Introduction.",
               "max_tokens": tokens, "temperature": 0.8, "seed": i, "ignore_eos": True} for i in range(k)]
    with concurrent.futures.ThreadPoolExecutor(k) as pool:
        t0 = time.perf_counter()
        replies = list(pool.map(lambda b: _post(port, b), bodies))
        wall = time.perf_counter() - t0
    n = sum(r["usage"]["completion_tokens"] for r in replies)
    return n / wall, n, wall


def start_server(parallel: int, python_server: bool, spin: int | None = None) -> tuple[subprocess.Popen, int, str]:
    """A server like the harness's (2048-token slots); python_server forces llama_cpp.server; spin sets OpenMP's
    spin count instead of the harness's."""
    if python_server:
        os.environ[local_llm.SERVER_ENV] = "off"
    try:
        port, threads = local_llm._free_port(), local_llm._cores()
        slots = parallel if local_llm.server_binary() is not None else 1
        cmd = local_llm.server_command(local_llm.model_path(), port, 2048, threads, slots)
        env = local_llm.server_env(threads)
        env.update({} if spin is None else {"GOMP_SPINCOUNT": str(spin)})
    finally:
        os.environ.pop(local_llm.SERVER_ENV, None) if python_server else None
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}: {local_llm.diagnose(proc.returncode).words}")
        if local_llm._healthy(port, timeout=1.0):
            try:
                _post(port, {"prompt": "warm up", "max_tokens": 2}, timeout=60)
                return proc, port, (f"{local_llm._server_name(cmd, [])} ({slots} slots, {threads} threads, "
                                    f"spin {env.get('GOMP_SPINCOUNT')})")
            except OSError:
                pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start within 180 s")


def bench(name: str, python_server: bool, tokens: int, busy_tokens: int, parallel: tuple[int, ...],
          spin: int | None = None) -> None:
    """Print the aggregate of each number of sequences at once, idle then with one core busy, and the ratio to
    the first."""
    proc, port, label = start_server(max(parallel), python_server, spin)
    try:
        for busy in (False, True):
            stop = multiprocessing.Event()
            hog = multiprocessing.Process(target=_spin, args=(stop,), daemon=True) if busy else None
            if hog:
                hog.start()
            try:
                n_tok = busy_tokens if busy else tokens
                rates = {k: aggregate(port, k, n_tok, f"{name}-{busy}-{k}") for k in parallel}
            finally:
                stop.set()
                if hog:
                    hog.join(5)
            one = rates[parallel[0]][0]
            cells = " | ".join(f"{k} seq {r:.1f} tok/s ({r / one:.2f}x; {n} tok in {s:.1f} s)"
                               for k, (r, n, s) in rates.items())
            print(f"{label:38s} {'one core busy' if busy else 'idle':13s}: {cells}")
            best = max(r for r, _, _ in rates.values())
            print(f"  goal aggregate >= 2x one sequence: {best / one:.2f}x "
                  f"({'met' if best >= 2 * one else 'NOT met'}), load average {os.getloadavg()[0]:.2f}")
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=128, help="tokens per sequence, idle")
    ap.add_argument("--busy-tokens", type=int, default=64, help="tokens per sequence with one core busy")
    ap.add_argument("--server", choices=("harness", "python", "both", "spin"), default="harness",
                    help="harness: what `harness` starts; python: llama_cpp.server; both: one after the other; "
                         "spin: the harness's server with OpenMP's spin count 0 (purely passive), then its own")
    ap.add_argument("--parallel", default=",".join(map(str, PARALLEL)),
                    help="comma list of sequences at once (the first is what the ratios are to)")
    ap.add_argument("--smoke", action="store_true", help="tiny N (CI): the harness's server, a few tokens")
    args = ap.parse_args()
    if args.smoke:
        args.tokens, args.busy_tokens, args.server = 4, 2, "harness"
    print(local_llm.build_report().summary())
    load = os.getloadavg()
    print(f"cores {local_llm._cores()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start")
    runs = {"harness": [("harness", False, None)], "python": [("python", True, None)],
            "both": [("harness", False, None), ("python", True, None)],
            "spin": [("spin0", False, 0), ("harness", False, None)]}[args.server]
    for name, python_server, spin in runs:
        bench(name, python_server, args.tokens, args.busy_tokens, tuple(int(k) for k in args.parallel.split(",")),
              spin)
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
