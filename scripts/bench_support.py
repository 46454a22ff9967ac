"""Benchmark: citation support speed per method on the seed and on an AutoSurvey output (prints only).

- similarity and signals: pairs/s (MiniLM loaded, task calibrated, text caches in memory and on disk off), and
  the ratio to the goal of GOAL_PAIRS_S for the default method;
- nli: pairs/s with a tiny randomly initialised cross-encoder built in a temp dir (mechanics, not accuracy);
- llm: judge calls per review, counted with an offline judge that answers all NOT_SUPPORTED (the fewest calls:
  one per claim) and all SUPPORTED (the most: plus one per citation of every multi-citation claim).

Run: .venv/bin/python scripts/bench_support.py [--repeat 3] [--smoke]  (--smoke: the seed only, one repeat)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

GOAL_PAIRS_S = 20.0  # issue 25: the default support method judges >= 20 sentence-abstract pairs/s on 2 cores
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from harness.tasks.shipped import data_dir  # noqa: E402

SHARED = data_dir().parent  # ../shared beside the repo, or $HARNESS_DATA_DIR/..
INPUTS = {"seed": (SHARED / "seeds" / "000_dda1134d5bb5babb.txt", "stfm-since-2024"),
          "autosurvey rag-llm": (SHARED / "data" / "outputs" / "surge-autosurvey" / "rag-llm.json", "rag-llm-survey")}


class CountingJudge:
    """An offline JudgeCalls answering every request with one verdict, counting the requests."""

    def __init__(self, verdict: str):
        self.verdict, self.calls, self.chars = verdict, 0, 0

    def complete(self, requests):
        from harness.llm.types import LLMResponse

        self.calls += len(requests)
        self.chars += sum(len(r.messages[0]["content"]) for r in requests)
        return [LLMResponse(text=self.verdict, input_tokens=len(r.messages[0]["content"]) // 4, output_tokens=2)
                for r in requests]

    def discard(self, request) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="the seed only, one repeat (for CI)")
    args = ap.parse_args()
    if args.smoke:
        args.repeat = 1
    sys.path.insert(0, str(REPO))
    from harness.embeddings import encoder as embeddings
    from harness.readers import read_review
    from harness.scorers import ScoringContext
    from harness.scorers.cited import cited_items
    from harness.scorers.support import extract_claims, judge_claims, support_spec
    from harness.tasks.suite import get_task
    from tests.reliability.tiny_nli import build_tiny_nli

    tiny = build_tiny_nli(Path(tempfile.mkdtemp(prefix="tiny-nli-")))
    emb = embeddings.get_embedder()
    for label, (path, task_id) in list(INPUTS.items())[:1 if args.smoke else None]:
        if not path.exists():
            print(f"{label}: {path} not found, skipped")
            continue
        task = get_task(task_id)
        from harness.papers.resolve import resolve_for_task
        from harness.scorers.context import ScoringSuite

        review = resolve_for_task(read_review(path), task, ScoringSuite.from_env().known()).review
        claims, unverifiable = extract_claims(review, cited_items(review, task))
        checkable = [c for c in claims if c.evidence]
        n_pairs = sum(len(c.evidence) for c in checkable)
        print(f"{label}: {len(claims)} claims, {len(checkable)} with abstracts, {n_pairs} checkable pairs, "
              f"{unverifiable} unverifiable pairs")
        if not checkable:
            print("  nothing to check (no cited abstract): every method returns not_applicable without work")
            continue
        for method, model in (("similarity", None), ("signals", None), ("nli", str(tiny))):
            spec = support_spec({"method": method, "model": model})
            judge_claims(spec, checkable, task, ScoringContext())  # loads the model, calibrates the task
            times = []
            for _ in range(args.repeat):
                fresh = embeddings.Embedder(disk_cache=False)  # no cached text: every pair is computed
                fresh._model = emb.model  # the same loaded model
                ctx = ScoringContext(embedder=lambda: fresh)
                t = time.perf_counter()
                judge_claims(spec, checkable, task, ctx)
                times.append(time.perf_counter() - t)
            med = statistics.median(times)
            goal = f"; {n_pairs / med / GOAL_PAIRS_S:.1f}x the goal of {GOAL_PAIRS_S:.0f}" if method != "nli" else ""
            print(f"  {method:10s} {n_pairs / med:8.0f} pairs/s ({med * 1000:.0f} ms for {n_pairs} pairs{goal})")
        for verdict in ("NOT_SUPPORTED", "SUPPORTED"):
            judge = CountingJudge(verdict)
            ctx = ScoringContext(judge_calls=judge)
            judge_claims(support_spec({"method": "llm", "model": "bench/judge"}), checkable, task, ctx)
            tokens = judge.chars // 4  # about 4 characters a token
            from harness.llm.pricing import map_cost

            usd = map_cost("openai/gpt-4o-mini", tokens, 4 * judge.calls)
            print(f"  llm        {judge.calls} judge calls per review when the judge answers {verdict} to all "
                  f"(~{tokens} input tokens; with openai/gpt-4o-mini about ${usd:.4f} a review)")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
