"""Benchmark: a relevance method (default: the scorers' default, `contrast`) judging a 300-reference review (prints only).

The references are real cited titles (the dev labels' 211, with their URLs: English, Chinese, web pages) topped
up with CS distractor titles to 300, judged against one task. The first call may be cold (models load, the
task's calibrations are computed or read from the disk cache); the next calls are warm (what a rescoring or a
second review of the same task costs). Goal (issue 24): <= 5 s warm on 2 cores.

Run: .venv/bin/python scripts/bench_relevance.py [--repeat 3] [--task rag-llm-survey] [--method M] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
GOAL_S = 5.0


def references(n: int):
    from harness.scorers.judge_methods import RelevanceRef
    from harness.tasks.shipped import data_dir, load_pool

    rows = [json.loads(x) for x in open(data_dir() / "labels/relevance-real-outputs/dev.jsonl", encoding="utf-8")]
    refs = [RelevanceRef(key=f"d{i}", title=r["title"], url=r.get("url")) for i, r in enumerate(rows)]
    pool = load_pool(data_dir() / "pools/distractors-cs.json")
    refs += [RelevanceRef(key=p.id, title=p.title) for p in pool.papers]
    return refs[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--task", default="rag-llm-survey")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--method", default=None, help="a registered relevance method (offline ones; default: the default)")
    ap.add_argument("--smoke", action="store_true", help="30 references, one warm call (CI)")
    a = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from harness.scorers import ScoringContext
    from harness.scorers.context import ScoringSuite
    from harness.scorers.judge_methods import DEFAULT_RELEVANCE, RELEVANCE_METHODS
    from harness.tasks.suite import get_task

    a.method = a.method or DEFAULT_RELEVANCE
    n, repeat = (30, 1) if a.smoke else (a.n, a.repeat)
    task, refs, ctx = get_task(a.task), references(n), ScoringContext(suite=ScoringSuite.from_env())
    judge = RELEVANCE_METHODS.get(a.method).fn
    t0 = time.perf_counter()
    res = judge(refs, task, ctx)
    first = time.perf_counter() - t0
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        judge(refs, task, ctx)
        warm.append(time.perf_counter() - t0)
    verdicts = [j.verdict for j in res.judgments]
    med = statistics.median(warm)
    print(f"relevance `{a.method}`: {len(refs)} references vs {a.task}; load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores")
    print(f"  first call (may be cold) {first:.2f} s; warm median {med:.3f} s over {repeat} "
          f"({len(refs) / med:.0f} refs/s); goal <= {GOAL_S:.0f} s for 300 -> ratio {med / GOAL_S * 300 / len(refs):.2f}")
    print(f"  verdicts: {verdicts.count('on-topic')} on-topic, {verdicts.count('off-topic')} off-topic, "
          f"{verdicts.count('unjudged')} unjudged; routed {res.details['routed']}")


if __name__ == "__main__":
    main()
