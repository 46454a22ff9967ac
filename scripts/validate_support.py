"""Validate any support method against the shipped human labels' test splits (AUROC per set, one command).

The method is called through the support-method registry exactly as scoring calls it. Examples:
  python scripts/validate_support.py --method signals
  python scripts/validate_support.py --method nli --model /path/to/nli-deberta-v3-xsmall   # any NLI cross-encoder
  python scripts/validate_support.py --method llm --model openai/gpt-4o-mini --limit 100   # needs the provider key
Sets: scifact (supported vs contradicted), check-covid (SUPPORT vs REFUTE), expertqa, wice, and irrelevant
(held-out abstract sentences vs distractor abstracts). The `cosine` column is what `similarity` thresholds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.core.errors import HarnessError  # noqa: E402
from harness.scorers.support import support_spec  # noqa: E402
from harness.judges.support_eval import measure_sets, spec_values  # noqa: E402
from harness.judges.support_labels import SETS, labels_dir  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--method", default="signals")
    ap.add_argument("--model", default=None, help="nli: a cross-encoder path or hub id; llm: a litellm model")
    ap.add_argument("--sets", default=",".join([*SETS, "irrelevant"]))
    ap.add_argument("--limit", type=int, default=None, help="pairs per set (evenly spaced), e.g. for a paid judge")
    ap.add_argument("--labels", type=Path, default=None, help="default: $HARNESS_DATA_DIR/labels")
    args = ap.parse_args()
    from harness.embeddings.encoder import get_embedder

    try:
        spec = support_spec({"method": args.method, "model": args.model})
        emb = get_embedder()
        t0 = time.perf_counter()
        figs = measure_sets(args.labels or labels_dir(), emb, spec_values(spec, emb), tuple(args.sets.split(",")), args.limit)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"support method {spec.label}: AUROC against human labels ({time.perf_counter() - t0:.0f} s)")
    print(f"{'set':<14}{'n yes/no':>12}{'judged':>10}{args.method:>12}{'cosine':>10}")
    for k, v in figs.items():
        m = "n/a" if v["method"] is None else f"{v['method']:.3f}"
        print(f"{k:<14}{v['n']:>12}{v['judged']:>10}{m:>12}{v['cosine']:>10.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
