"""Decode and prompt tokens/s of the installed llama.cpp build, idle and with one core kept busy.

Starts its own servers (the harness's command line and environment, on free loopback ports) for each thread
setting, so the figures are those of the installed build under the settings `harness` uses.

    .venv/bin/python scripts/bench_local_llm.py [--tokens 200] [--settings default,1,spin]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import time
import urllib.request

from harness import local_llm

def _post(port: int, body: dict, timeout: float = 900) -> tuple[dict, float]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        reply = json.loads(resp.read())
    return reply, time.perf_counter() - t0


def _spin(stop: multiprocessing.Event) -> None:
    while not stop.is_set():
        pass


def measure(port: int, tokens: int, tag: str) -> dict:
    """Prompt tokens/s from a ~400-token prompt (1 token out); decode tokens/s from a short prompt.

    The decode request shares its prompt with a 1-token request made just before, so llama.cpp reuses the
    prompt's KV cache and the difference in time is decoding. (No logit_bias: llama-cpp-python applies it in
    Python over the whole vocabulary at every token, which would measure numpy, not the build.)"""
    long_prompt = f"[{tag}] " + " ".join(f"Paper {i}: spatio-temporal foundation models for traffic." for i in range(40))
    reply, t_prompt = _post(port, {"prompt": long_prompt, "max_tokens": 1, "temperature": 0})
    n_prompt = reply["usage"]["prompt_tokens"]
    short = f"[{tag}] A survey of large language models for time series. Introduction."
    one, t_one = _post(port, {"prompt": short, "max_tokens": 1, "temperature": 0})
    reply, t_dec = _post(port, {"prompt": short, "max_tokens": tokens, "temperature": 0.8, "seed": 0})
    n_out = reply["usage"]["completion_tokens"]
    return {"prompt_tokens": n_prompt, "prompt_tok_s": n_prompt / t_prompt, "decode_tokens": n_out,
            "decode_s": t_dec, "decode_tok_s": max(n_out - 1, 1) / max(t_dec - t_one, 1e-6)}


def start_server(threads: int, wait_policy: str) -> tuple[subprocess.Popen, int]:
    port = local_llm._free_port()
    cmd = local_llm.server_command(local_llm.model_path(), port, 2048, threads)
    env = {**local_llm.server_env(threads), "OMP_WAIT_POLICY": wait_policy}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}: {local_llm.diagnose(proc.returncode).words}")
        if local_llm._healthy(port, timeout=1.0):
            return proc, port
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start within 180 s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--busy-tokens", type=int, default=50, help="decode length with one core busy")
    ap.add_argument("--settings", default="default,1,spin",
                    help="comma list: default (harness: all cores, OMP passive), 1 (one thread), spin "
                         "(all cores, OpenMP's default active wait)")
    ap.add_argument("--smoke", action="store_true", help="tiny N (CI): the harness's setting, a few tokens")
    args = ap.parse_args()
    if args.smoke:
        args.tokens, args.busy_tokens, args.settings = 4, 2, "default"
    cores = local_llm._cores()
    report = local_llm.build_report()
    print(report.summary())
    print(f"cores {cores}, load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} at start")
    settings = {"default": (cores, "PASSIVE"), "1": (1, "PASSIVE"), "spin": (cores, "ACTIVE")}
    for name in args.settings.split(","):
        threads, policy = settings[name]
        proc, port = start_server(threads, policy)
        try:
            _post(port, {"prompt": "warm up", "max_tokens": 4})
            idle = measure(port, args.tokens, f"{name}-idle")
            stop = multiprocessing.Event()
            hog = multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
            hog.start()
            try:
                busy = measure(port, args.busy_tokens, f"{name}-busy")
            finally:
                stop.set()
                hog.join(5)
        finally:
            proc.terminate()
            proc.wait(30)
        print(f"{name:8s} n_threads={threads} OMP_WAIT_POLICY={policy}: "
              f"idle decode {idle['decode_tok_s']:.1f} tok/s, prompt {idle['prompt_tok_s']:.0f} tok/s | "
              f"one core busy: decode {busy['decode_tok_s']:.1f} tok/s, prompt {busy['prompt_tok_s']:.0f} tok/s "
              f"({busy['decode_tokens']} tokens in {busy['decode_s']:.1f} s)")
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
