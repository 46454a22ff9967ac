"""Agreement of a relevance method with the dev labels and its TNR on the CS distractor pool, per task.

Usage: python scripts/relevance_agreement.py [--method contrast] [--model M] [--labels PATH] [--no-pool] [--smoke]
Dev labels (data/labels/relevance-real-outputs/dev.jsonl) are only measured on, never fitted: every cut is the
method's own calibration (bibliography vs shipped off-topic pools). A reference counts as in the bibliography when
its arXiv id or normalised title is a task reference paper, as the harness's resolution would find it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.models import normalize_arxiv_id, normalize_title  # noqa: E402
from harness.scorers import ScoringContext  # noqa: E402
from harness.scorers.context import ScoringSuite  # noqa: E402
from harness.scorers.judge_methods import DEFAULT_RELEVANCE, RELEVANCE_METHODS, RelevanceRef  # noqa: E402
from harness.tasks.shipped import data_dir, load_pool  # noqa: E402
from harness.tasks.suite import get_task  # noqa: E402


def refs_for(task, rows):
    bib_ids = {normalize_arxiv_id(task.paper(p).arxiv_id) for p in task.reference_papers} - {None}
    bib_titles = {normalize_title(task.paper(p).title) for p in task.reference_papers}
    out = []
    for i, r in enumerate(rows):
        inb = (normalize_arxiv_id(r.get("arxiv_id")) in bib_ids) or normalize_title(r["title"] or "") in bib_titles
        out.append(RelevanceRef(key=str(i), title=r["title"], url=r.get("url"), in_bibliography=bool(inb),
                                ref_class="web" if r.get("kind") == "web" else None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--method", default=DEFAULT_RELEVANCE)
    ap.add_argument("--model", default=None)
    ap.add_argument("--labels", default=str(data_dir() / "labels/relevance-real-outputs/dev.jsonl"))
    ap.add_argument("--smoke", action="store_true", help="two tasks, no pool")
    ap.add_argument("--show", action="store_true", help="print the disagreements")
    ap.add_argument("--no-pool", action="store_true", help="skip the CS pool (an llm judge would make 4,378 calls)")
    a = ap.parse_args()
    rows = [json.loads(x) for x in open(a.labels, encoding="utf-8")]
    by_task = defaultdict(list)
    for r in rows:
        by_task[r["task_id"]].append(r)
    method = RELEVANCE_METHODS.get(a.method)
    spec = None
    if a.model:
        from harness.config import RelevanceConfig

        spec = RelevanceConfig(method=a.method, model=a.model)
    ctx = ScoringContext(relevance=spec, suite=ScoringSuite.from_env())
    tasks = sorted(by_task)[:2] if a.smoke else sorted(by_task)
    t0 = time.perf_counter()
    judged = []
    for tid in tasks:
        task = get_task(tid)
        res = method.fn(refs_for(task, by_task[tid]), task, ctx, spec)
        judged += list(zip(by_task[tid], res.judgments))
    secs = time.perf_counter() - t0
    n = len(judged)
    verdict = [j.verdict for _, j in judged]
    cov = sum(v != "unjudged" for v in verdict) / n
    yes = [j.verdict == "on-topic" for r, j in judged if r["on_topic"] == "yes" and j.verdict != "unjudged"]
    no = [j.verdict == "off-topic" for r, j in judged if r["on_topic"] == "no" and j.verdict != "unjudged"]
    print(f"method {a.method}: {n} references, coverage {cov:.3f}; TPR on yes {sum(yes)}/{len(yes)} = "
          f"{sum(yes) / max(1, len(yes)):.3f}; TNR on no {sum(no)}/{len(no)} = {sum(no) / max(1, len(no)):.3f} "
          f"({secs:.1f} s)")
    per = defaultdict(lambda: [0, 0, 0])
    for r, j in judged:
        if r["on_topic"] == "unclear" or j.verdict == "unjudged":
            continue
        p = per[r["system"]]
        p[0] += j.verdict == "on-topic"
        p[1] += r["on_topic"] == "yes"
        p[2] += 1
    for s, (on, lab, k) in sorted(per.items()):
        print(f"  {s}: on-topic rate {on / k:.2f} vs labels {lab / k:.2f} (diff {on / k - lab / k:+.2f}, n={k})")
    if a.show:
        for r, j in judged:
            if (r["on_topic"] == "yes") != (j.verdict == "on-topic") and r["on_topic"] != "unclear":
                print(f"    {r['on_topic']:>3} {j.verdict:9} {j.score} thr {j.threshold} {r['task_id'][:16]} "
                      f"{r['title'][:70]}")
    if a.smoke or a.no_pool:
        return
    pool = load_pool(data_dir() / "pools/distractors-cs.json")
    from harness.scorers.relevance_neighbours import _half
    from harness.tasks.suite import load_suite

    test = [p for p in pool.papers if _half(p.id) == "test"]  # never a calibration negative of `neighbours`
    refs = [RelevanceRef(key=p.id, title=p.title) for p in test]
    tnrs = {}
    for tid, task in sorted(load_suite().items()):
        if not task.has_bibliography:
            continue
        res = method.fn(refs, task, ctx, spec)
        tnrs[tid] = sum(j.verdict == "off-topic" for j in res.judgments) / len(refs)
    print(f"CS distractor pool, test half (n={len(refs)}), TNR per task: min {min(tnrs.values()):.3f} "
          f"({min(tnrs, key=tnrs.get)}), mean {sum(tnrs.values()) / len(tnrs):.3f} over {len(tnrs)} tasks")
    print("  " + ", ".join(f"{t} {v:.3f}" for t, v in tnrs.items()))

if __name__ == "__main__":
    main()
