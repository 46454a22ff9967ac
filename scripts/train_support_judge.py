"""Fit the offline support judge (`signals`) on the shipped labels' train/dev/val splits and measure it on tests.

Deterministic, CPU only: MiniLM embeddings (the packaged weights, disk-cached) -> FEATURES per pair ->
Newton logistic regression (numpy). Fit data: Check-COVID train+dev (SUPPORT = yes; REFUTE, NOTENOUGHINFO = no),
ExpertQA rand+domain val (Complete vs Incomplete), WiCE dev (supported vs not_supported). The threshold is the
Youden cut on the fit data. Each fit claim is also paired with another pair's source as an irrelevant
negative, so that topical closeness keeps its weight (without them the model forgets that an off-topic source
supports nothing: irrelevant-citation AUROC 0.57). Test splits are only measured: SciFact (supported vs contradicted), Check-COVID test
(SUPPORT vs REFUTE), ExpertQA test, WiCE test, and the irrelevant-citation check (support.irrelevant_check).
Prints a table of AUROCs for `signals` and for `similarity`'s cosine on the same pairs, and the time taken.

Run: python scripts/train_support_judge.py [--out harness/data/support_judge/signals.json] [--check]
  --check: rebuild in memory and compare with the committed file's figures (exit 1 if any differs by > 0.01).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.judges import support_labels as sl  # noqa: E402
from harness.scorers import support_signals as sg  # noqa: E402
from harness.scorers.calibration import auroc, youden_threshold  # noqa: E402
from harness.judges.support_eval import measure_sets  # noqa: E402

L2 = 1000.0  # strong shrinkage: the fit sets are small and of other genres than the test sets
SHIFT = 97  # irrelevant negatives: each fit claim against the source of the pair SHIFT places on


def fit_data(root: Path) -> tuple[list, np.ndarray, dict[str, int]]:
    """(pairs, y, counts per set) from every set's fit splits."""
    pairs, ys, counts = [], [], {}
    for name, splits in sl.FIT_SPLITS.items():
        for split in splits:
            recs = sl.load_set(root, name, split)
            counts[f"{name}/{split}"] = len(recs)
            for r in recs:
                title, text = sl.source_text(r)
                pairs.append((r.sentence, title, text))
                ys.append(1.0 if r.label == "yes" else 0.0)
    return pairs, np.asarray(ys), counts


def train(root: Path, embedder) -> tuple[sg.SignalsModel, dict]:
    """Fit the model; returns it and the fit figures."""
    pairs, y, counts = fit_data(root)
    n = len(pairs)
    pairs += [(pairs[i][0], pairs[(i + SHIFT) % n][1], pairs[(i + SHIFT) % n][2]) for i in range(n)]
    y = np.concatenate([y, np.zeros(n)])  # a claim against another paper's source is not supported by it
    counts["irrelevant (fit claims vs other fit sources)"] = n
    x = sg.features(pairs, embedder)
    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1.0
    w, b = sg.fit_logistic((x - mean) / scale, y, L2)
    p = 1.0 / (1.0 + np.exp(-(((x - mean) / scale) @ w + b)))
    thr = youden_threshold(p[y == 1], p[y == 0])
    meta = {"fit_counts": counts, "fit_pairs": int(len(y)), "fit_auroc": round(auroc(p[y == 1], p[y == 0]), 4),
            "l2": L2, "embedder": getattr(embedder, "model_name", "?"),
            "provenance": "shared/data/labels (Check-COVID MIT; ExpertQA MIT; WiCE CC BY-SA + Common Crawl terms): "
                          "fit on Check-COVID train+dev, ExpertQA rand/domain val, WiCE dev, plus each of their claims "
                          "against another pair's source as an irrelevant negative"}
    return sg.fit_model(x, y, thr, L2, meta), meta


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=sg.MODEL_FILE)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--labels", type=Path, default=None)
    args = ap.parse_args()
    from harness.embeddings.encoder import get_embedder

    root = args.labels or sl.labels_dir()
    emb = get_embedder()
    t0 = time.perf_counter()
    model, meta = train(root, emb)
    t_fit = time.perf_counter() - t0
    figs = measure_sets(root, emb, lambda pairs: sg.score_pairs(pairs, emb, model))
    t_all = time.perf_counter() - t0
    model.meta["test_auroc"] = {k: v["method"] for k, v in figs.items()}
    model.meta["test_auroc_text"] = ", ".join(f"{k} {v['method']:.2f}" for k, v in figs.items()
                                              if k in ("scifact", "check-covid"))
    print(f"fit on {meta['fit_pairs']} pairs {meta['fit_counts']}: fit AUROC {meta['fit_auroc']}, "
          f"threshold {model.threshold:.3f}; {t_fit:.0f} s to fit, {t_all:.0f} s with measurement")
    print(f"{'set':<26}{'n yes/no':>12}{'signals':>10}{'cosine':>10}")
    for k, v in figs.items():
        print(f"{k:<26}{v['n']:>12}{v['method']:>10.3f}{v['cosine']:>10.3f}")
    print("weights:", ", ".join(f"{f} {w:+.2f}" for f, w in zip(model.features, model.weights)))
    if args.check:
        old = sg.load_model(args.out)
        bad = {k: (v, old.meta.get("test_auroc", {}).get(k)) for k, v in model.meta["test_auroc"].items()
               if old.meta.get("test_auroc", {}).get(k) is None or abs(v - old.meta["test_auroc"][k]) > 0.01}
        print("check:", "OK" if not bad else f"differs from the committed judge: {bad}")
        return 1 if bad else 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    from harness.core.fileio import atomic_write

    atomic_write(args.out, model.to_json())
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes), identity {model.identity}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
