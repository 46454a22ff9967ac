"""Benchmark: how fast `harness view` opens a run (prints only; goals: a 48-cell run opens in <= 2 s, a
2,000-cell run's leaderboard in <= 2 s, on 2 cores).

Builds synthetic run directories in the runner's on-disk schema (real task ids, reviews of ~1,500 words with 20
numbered citations, the score rows of the coverage / citations / length / cost families with per-citation
relevance and support verdicts in their details), then times, in one process and through the app's own ASGI
interface: loading the runs (`load_view`), the first leaderboard page (cold: means, CIs and ranks computed with
the report's functions at the viewer's default 2,000 bootstrap resamples; the pairwise tests behind the † marks
go on in a background thread) and when those marks are ready, a filtered leaderboard, the first review page
(cold: the paper index loaded, the review resolved) and a task page.

Run: .venv/bin/python scripts/bench_view.py [--smoke] [--cells-large 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]

SCORES = ["coverage.recall", "coverage.precision", "coverage.f1", "coverage.heading_soft_recall",
          "citations.on_topic_rate", "citations.off_topic", "citations.support_rate", "citations.support_precision",
          "citations.valid_rate", "citations.in_task_rate", "citations.dangling", "length.words", "length.in_target",
          "length.truncated", "structure.headings", "cost.usd", "cost.output_tokens", "cost.latency_s"]


def _review(task, rng) -> dict:
    from harness.models import Citation, ReferenceEntry, Review

    papers = [task.paper(pid) for pid in task.reference_papers[:20]]
    paras, cits = [], []
    text = f"# Review of {task.topic[:80]}\n\n"
    for i in range(30):
        n = i % len(papers) + 1
        sent = f"Paragraph {i} discusses " + " ".join(f"word{rng.integers(1000)}" for _ in range(45)) + f" [{n}]."
        cits.append(Citation(sentence=sent, marker=f"[{n}]", keys=[str(n)], offset=len(text) + len(sent) - 4))
        text += sent + "\n\n"
        paras.append(sent)
    text += "## References\n\n" + "\n".join(f"[{k}] {p.title}" for k, p in enumerate(papers, 1)) + "\n"
    refs = [ReferenceEntry(key=str(k), raw=f"[{k}] {p.title}", title=p.title, arxiv_id=p.arxiv_id)
            for k, p in enumerate(papers, 1)]
    return Review(source_format="markdown", text=text, citations=cits, references=refs).model_dump(mode="json")


def _details(name: str, task, rng) -> dict:
    from harness.models import CitationVerdict, SupportVerdict

    papers = task.reference_papers[:20]
    if name == "citations.on_topic_rate":
        return {"method": "title_similarity", "model": "sentence-transformers/all-MiniLM-L6-v2", "threshold_used": 0.3,
                "verdicts": [CitationVerdict(item=p, keys=[str(k)], title="t", verdict="on-topic",
                                             basis="title similarity", similarity=0.5).to_details()
                             for k, p in enumerate(papers, 1)]}
    if name == "citations.support_rate":
        return {"method": "similarity", "model": "sentence-transformers/all-MiniLM-L6-v2", "threshold_used": 0.37,
                "verdicts": [SupportVerdict(pair=f"{k}|{p}", sentence="s" * 120, item=p, supports=bool(k % 2),
                                            similarity=0.4).to_details() for k, p in enumerate(papers)]}
    return {}


def make_run(root: Path, tasks: list, generators: list[str], seeds: list[int]) -> Path:
    """A run directory in the runner's schema: manifest, generations.jsonl, scores.parquet."""
    import numpy as np
    import polars as pl

    from harness.config import ExperimentConfig
    from harness.runner.manifest import build_manifest
    from harness.runner.store import SCORE_SCHEMA

    rng = np.random.default_rng(0)
    run = root / f"bench-{len(tasks) * len(generators) * len(seeds)}"
    run.mkdir(parents=True)
    config = ExperimentConfig.model_validate({"name": run.name, "seeds": seeds, "tasks": [t.id for t in tasks],
                                              "generators": [{"name": g, "kind": "extractive"} for g in generators]})
    cells = [f"{t.id}|{g}|{s}" for t in tasks for g in generators for s in seeds]
    manifest = build_manifest(config, run.name, {}, cells)
    (run / "manifest.json").write_text(json.dumps({**manifest, "status": "complete"}, default=str))
    rows = []
    with open(run / "generations.jsonl", "w") as fh:
        for t in tasks:
            review = _review(t, rng)
            details = {name: json.dumps(_details(name, t, rng)) for name in SCORES}
            for g in generators:
                for s in seeds:
                    cell = f"{t.id}|{g}|{s}"
                    fh.write(json.dumps({"cell": cell, "task_id": t.id, "generator": g, "seed": s, "review": review})
                             + "\n")
                    rows += [{"cell": cell, "task_id": t.id, "generator": g, "seed": s, "score": name,
                              "value": float(rng.random()), "status": "ok", "explanation": name,
                              "details": details[name]} for name in SCORES]
    pl.DataFrame(rows, schema=SCORE_SCHEMA).write_parquet(run / "scores.parquet")
    return run


CPU: dict[str, float] = {}


def _timed(fn, name: str = ""):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    CPU[name] = time.process_time() - c0
    return out, time.perf_counter() - t0


def measure(run: Path, n_boot: int) -> dict[str, float]:
    """Seconds to load the run and serve its pages, each the first (cold) request of its kind."""
    from starlette.testclient import TestClient

    from harness.view import create_app, load_view

    data, t_load = _timed(lambda: load_view([run]), "load")
    client = TestClient(create_app(data, annotator="bench", n_boot=n_boot), base_url="http://127.0.0.1")
    res, t_board = _timed(lambda: client.get("/"), "leaderboard")
    assert res.status_code == 200, res.text[:500]
    from harness.view.rankings import Filters

    _full, t_marks = _timed(lambda: client.app.state.view.rankings(Filters()), "marks")
    cell = data.cells()[0]
    task = cell.split("|")[0]
    _res, t_filter = _timed(lambda: client.get("/", params={"task": task}))
    _res, t_review = _timed(lambda: client.get("/review", params={"cell": cell}))
    _res, t_review2 = _timed(lambda: client.get("/review", params={"cell": data.cells()[1]}))
    _res, t_task = _timed(lambda: client.get("/task", params={"id": task}))
    return {"cells": len(data.cells()), "load": t_load, "leaderboard": t_board, "opens": t_load + t_board,
            "† marks ready after": t_board + t_marks,
            "filtered": t_filter, "review (cold)": t_review, "review (next)": t_review2, "task": t_task}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--smoke", action="store_true", help="tiny runs, 200 resamples: checks the script runs")
    ap.add_argument("--cells-large", type=int, default=2000, help="cells of the large run (20 tasks x 10 "
                                                                  "generators x seeds)")
    ap.add_argument("--n-boot", type=int, default=2000)
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from harness.tasks.suite import load_suite

    suite = sorted(load_suite().values(), key=lambda t: t.id)
    n_boot = 200 if args.smoke else args.n_boot
    sizes = [(suite[:2], ["a", "b"], [0])] if args.smoke else [
        (suite[:12], ["extractive", "recent", "gemma-zs", "gemma-pw"], [0]),
        (suite[:20], [f"gen-{i}" for i in range(10)], list(range(max(1, args.cells_large // 200))))]
    print(f"load average at start: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}; cores: {os.cpu_count()}; "
          f"n_boot {n_boot}")
    with tempfile.TemporaryDirectory() as tmp:
        for tasks, gens, seeds in sizes:
            run = make_run(Path(tmp), tasks, gens, seeds)
            size = sum(f.stat().st_size for f in run.iterdir()) / 1e6
            m = measure(run, n_boot)
            cpu = CPU["load"] + CPU["leaderboard"]
            print(f"{m['cells']} cells ({size:.1f} MB on disk), wall: " + ", ".join(
                f"{k} {v:.2f} s" for k, v in m.items() if k != "cells")
                  + f"; CPU of this process: load {CPU['load']:.2f} s + leaderboard {CPU['leaderboard']:.2f} s "
                    f"= {cpu:.2f} s; goal (opens in <= 2 s): wall {'met' if m['opens'] <= 2 else 'NOT met'}, "
                    f"CPU {'met' if cpu <= 2 else 'NOT met'}")
    print(f"load average at end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
