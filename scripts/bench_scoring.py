"""Benchmark: warm time of all offline scorer families on the seed, split into model inference and the rest.

Run: .venv/bin/python scripts/bench_scoring.py [--repeat 5]   (target: <= 2 s warm on 2 cores)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_dda1134d5bb5babb.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=Path, default=SEED)
    ap.add_argument("--task", default="stfm-since-2024")
    ap.add_argument("--run-on", action=argparse.BooleanOptionalAction, default=True,
                    help="also time the 450 KB / 5.4 MB run-on lines (issue 14)")
    args = ap.parse_args()

    from harness.embeddings import get_embedder
    from harness.readers import read_review
    from harness.scorers import FAMILIES, OFFLINE_FAMILIES, ScoringContext, score_review
    from harness.tasks import get_task

    t0 = time.perf_counter()
    task = get_task(args.task)
    review = read_review(args.seed)
    ctx = ScoringContext()
    emb = get_embedder()
    score_review(review, task, ctx, OFFLINE_FAMILIES)  # cold: loads the model, calibrates the task
    print(f"cold run (model load + calibration + scoring): {time.perf_counter() - t0:.2f} s")

    from harness import embeddings
    from harness.resolve import resolve_for_task

    totals, infer, per_family = [], [], {f: [] for f in OFFLINE_FAMILIES}
    for _ in range(args.repeat):
        embeddings._embedder = None  # fresh text cache, same loaded model: repeated texts are re-embedded
        fresh = embeddings.get_embedder()
        fresh._model = emb.model
        ctx = ScoringContext(embedder=lambda: fresh)
        start = time.perf_counter()
        resolved = resolve_for_task(review, task)
        for fam in OFFLINE_FAMILIES:
            t = time.perf_counter()
            FAMILIES[fam](resolved, task, ctx)
            per_family[fam].append(time.perf_counter() - t)
        totals.append(time.perf_counter() - start)
        infer.append(fresh.inference_seconds)
    total, model = statistics.median(totals), statistics.median(infer)
    print(f"model warm, text cache emptied (median of {args.repeat}): {total:.3f} s = model inference "
          f"{model:.3f} s ({fresh.encoded_texts} texts) + rest {total - model:.3f} s")
    for fam, ts in per_family.items():
        print(f"  {fam:10s} {statistics.median(ts):.3f} s")
    ctx = ScoringContext(embedder=lambda: fresh)
    warm = []
    for _ in range(args.repeat):
        before = fresh.inference_seconds
        start = time.perf_counter()
        score_review(review, task, ctx, OFFLINE_FAMILIES)
        warm.append((time.perf_counter() - start, fresh.inference_seconds - before))
    w, wi = statistics.median(t for t, _ in warm), statistics.median(i for _, i in warm)
    print(f"fully warm (model, calibrations and text embeddings cached; target <= 2 s): {w:.3f} s = model "
          f"inference {wi:.3f} s + rest {w - wi:.3f} s")
    print(f"load average during the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if args.run_on:
        run_on_cases(task, ctx)


def run_on_cases(task, ctx) -> None:
    """Run-on text (a looping small model): one line of `[1]` markers and no full stop, 450 KB and 5.4 MB.

    Goals (issue 14): the 450 KB case under 5 s, the 5.4 MB case under 60 s, for the citations family."""
    from harness.readers import parse_text
    from harness.resolve import resolve_for_task
    from harness.scorers import FAMILIES

    title = next(p.title for p in task.papers if p.abstract)
    for label, markers in (("450 KB", 50_000), ("5.4 MB", 600_000)):
        line = "loop [1] " * markers  # 9 characters a marker
        t0 = time.perf_counter()
        review = parse_text(f"# Loop\n\n{line}\n\n## References\n\n[1] {title}\n", format="markdown")
        t_read = time.perf_counter() - t0
        t1 = time.perf_counter()
        resolved = resolve_for_task(review, task)
        t_res = time.perf_counter() - t1
        t2 = time.perf_counter()
        scores = FAMILIES["citations"](resolved, task, ctx)
        t_cit = time.perf_counter() - t2
        rate = next(s for s in scores if s.name == "citations.support_rate")
        print(f"run-on {label} ({len(line) / 1e6:.2f} MB, {len(review.citations)} markers): read {t_read:.2f} s, "
              f"resolve {t_res:.2f} s, citations family {t_cit:.2f} s (support: {rate.status}, "
              f"capped sentences {rate.details.get('sentences_capped')})")


if __name__ == "__main__":
    main()
