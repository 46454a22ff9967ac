#!/usr/bin/env python
"""Measure relevance (and support-proxy) calibration per task against hard negatives; write the table.

Usage: python scripts/calibrate_tasks.py [--shared ../shared] [--tasks tasks] [--cache /tmp/review-harness-calib]
       python scripts/calibrate_tasks.py --render-only      # regenerate the README table from tasks/calibration/study.json
Steps: embed (cached on disk under --cache, so a re-run embeds nothing), measure every configuration per task on
held-out halves (harness/scorers/calibration_study.py), write tasks/calibration/study.json, and replace the table between
the CALIBRATION markers in tasks/README.md. Then `python scripts/build_tasks.py` stores each task's chosen
threshold in its provenance (`relevance_calibration`), which the relevance scorer uses.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from harness.models import Paper, Task  # noqa: E402
from harness.scorers.calibration_study import (  # noqa: E402
    evaluate, meets_goals, nearest_scores, render_table, split_of, study_hash)

BEGIN, END = "<!-- CALIBRATION TABLE BEGIN (scripts/calibrate_tasks.py) -->", "<!-- CALIBRATION TABLE END -->"
MAX_NEAR = 240  # near-topic candidates per task, first by sha256(task:paper) order (both halves together)
CHOSEN = "title/topic+outline/threshold"
CONFIGS = {
    "title/topic/threshold": {"text": "title", "query": "topic", "rule": "threshold"},
    "title/topic+outline/threshold": {"text": "title", "query": "topic+outline", "rule": "threshold"},
    "title/bibliography/nearest": {"text": "title", "query": "calibration-half bibliography", "rule": "nearest"},
    "title/bibliography-centroid/threshold": {"text": "title", "query": "bibliography centroid",
                                              "rule": "threshold"},
    "title/topic+outline+centroid/threshold": {"text": "title", "query": "topic+outline+centroid",
                                               "rule": "threshold"},
    "title/topic+outline+nearest/mean": {"text": "title", "query": "topic+outline", "rule": "mean-nearest"},
    "title/topic+outline+nearest-core/mean": {"text": "title", "query": "topic+outline", "rule": "mean-nearest-core"},
    "abs:title/topic/threshold": {"text": "title", "query": "topic", "rule": "threshold", "abstracts_only": True},
    "abs:title+abstract/topic/threshold": {"text": "title+abstract", "query": "topic", "rule": "threshold",
                                           "abstracts_only": True},
}


class DiskCachedEmbedder:
    """The harness embedder behind an on-disk cache (one .npy per text hash): calibrations embed each text once."""

    def __init__(self, cache: Path):
        from harness.embeddings.encoder import get_embedder

        self.inner = get_embedder()
        self.model_path = self.inner.model_path
        self.model_name = self.inner.model_name
        self.dir = cache / "embeddings"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.memo: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        missing = {k: t for k, t in zip(keys, texts) if not (self.dir / f"{k}.npy").exists()}
        if missing:
            vecs = self.inner.encode(list(missing.values()))
            for k, v in zip(missing, vecs):
                tmp = self.dir / f".{k}.{os.getpid()}.npy"
                np.save(tmp, v)
                os.replace(tmp, self.dir / f"{k}.npy")
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        for k in keys:
            if k not in self.memo:
                self.memo[k] = np.load(self.dir / f"{k}.npy")
        return np.stack([self.memo[k] for k in keys]).astype(np.float32)


def topic_text(task: Task, query: str) -> str:
    """The query text: the topic, or the topic followed by the outline headings (stripped, '; '-joined)."""
    if query == "topic+outline" and task.reference_survey.outline:
        return task.topic + " " + "; ".join(h.strip() for h in task.reference_survey.outline)
    return task.topic


def query_vector(task: Task, query: str, bib: np.ndarray, emb: DiskCachedEmbedder) -> np.ndarray:
    """The unit query vector: the topic (+outline) text, the bibliography centroid, or the mean of both."""
    centroid = bib.mean(axis=0) if len(bib) else np.zeros(bib.shape[1] if bib.ndim == 2 else 384)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    if query == "bibliography centroid":
        return centroid.astype(np.float32)
    q = emb.encode([topic_text(task, "topic+outline" if query.startswith("topic+outline") else query)])[0]
    if query == "topic+outline+centroid":
        q = q + centroid
        q = q / (np.linalg.norm(q) or 1.0)
    return q.astype(np.float32)


def paper_text(p: Paper, text: str) -> str:
    return " ".join(p.title.split()) if text == "title" else f"{' '.join(p.title.split())}. {p.abstract or ''}"


def negatives(task: Task, suite: dict[str, Task], shared: Path) -> dict[str, list[Paper]]:
    """The three negative classes of a task: kept CS distractors, physics distractors, near-topic papers."""
    banned = task.reference_set | set(task.pooled_reference_ids)
    dropped = set(task.provenance.get("cs_distractors", {}).get("dropped_ids") or [])
    pools = shared / "data" / "pools"

    def load(name: str) -> list[Paper]:
        recs = json.loads((pools / name).read_text(encoding="utf-8"))["papers"]
        return [Paper(id=r["arxiv_id"], title=r["title"], arxiv_id=r["arxiv_id"], abstract=r.get("abstract"))
                for r in recs]

    cs = [p for p in load("distractors-cs.json") if p.id not in banned | dropped]
    physics = [p for p in load("distractors-physics.json") if p.id not in banned]
    near_ids = {}
    for tid in task.provenance["pool_recipe"]["near_topic_from"]:
        for pid in suite[tid].reference_papers:
            if pid not in banned and pid not in near_ids:
                near_ids[pid] = suite[tid].paper(pid)
    pool_near = [i.paper_id for i in task.pool if i.role == "near-topic"]
    order = sorted((pid for pid in near_ids if pid not in pool_near),
                   key=lambda pid: hashlib.sha256(f"{task.id}:{pid}".encode()).hexdigest())
    near = [task.paper(pid) for pid in pool_near] + [near_ids[pid] for pid in order[:MAX_NEAR]]
    return {"cs": cs, "physics": physics, "near": near}


def task_groups(task: Task, suite: dict[str, Task], shared: Path) -> tuple[dict[str, list[Paper]], dict[str, list[str]]]:
    """Positives and the three negative classes of a task, and each paper's half."""
    pool_ids = {i.paper_id for i in task.pool}
    groups = {"pos": [task.paper(pid) for pid in task.reference_papers], **negatives(task, suite, shared)}
    # pool negatives are what scored reviews cite, so they are always test items; reference papers are judged by
    # bibliography membership at scoring time, so positives split by hash alone (small bibliographies keep a
    # calibration half)
    split = {k: [split_of(task.id, p.id, k != "pos" and p.id in pool_ids) for p in ps] for k, ps in groups.items()}
    return groups, split


def config_scores(task: Task, cfg: dict[str, Any], groups: dict[str, list[Paper]], split: dict[str, list[str]],
                  emb: DiskCachedEmbedder) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Scores of one configuration on the calibration half and on the test half, per group."""
    keep = {k: [i for i, p in enumerate(ps) if p.abstract or not cfg.get("abstracts_only")]
            for k, ps in groups.items()}
    vecs = {k: emb.encode([paper_text(groups[k][i], cfg["text"]) for i in idx]) for k, idx in keep.items()}
    halves = {k: np.array([split[k][i] for i in idx]) for k, idx in keep.items()}
    bib_rows = np.flatnonzero(halves["pos"] == "calibration")
    if cfg["rule"] == "threshold":
        q = query_vector(task, cfg["query"], vecs["pos"][bib_rows], emb)
        scores = {k: (v @ q).astype(np.float64) for k, v in vecs.items()}
    else:
        if cfg["rule"] == "mean-nearest-core":  # only the half of the bibliography closest to the query
            q = query_vector(task, cfg["query"], vecs["pos"][bib_rows], emb)
            qs = vecs["pos"][bib_rows] @ q
            bib_rows = bib_rows[qs >= np.median(qs)] if len(qs) else bib_rows
        bib = vecs["pos"][bib_rows]
        pos_self = {int(r): j for j, r in enumerate(bib_rows)}
        scores = {k: nearest_scores(v, bib, [pos_self.get(i, -1) for i in range(len(v))] if k == "pos" else None)
                  for k, v in vecs.items()}
        if cfg["rule"] in ("mean-nearest", "mean-nearest-core"):
            q = query_vector(task, cfg["query"], bib, emb)
            scores = {k: 0.5 * (vecs[k] @ q) + 0.5 * s for k, s in scores.items()}
    cal = {k: s[halves[k] == "calibration"] for k, s in scores.items()}
    test = {k: s[halves[k] == "test"] for k, s in scores.items()}
    return cal, test


def measure_task(task: Task, suite: dict[str, Task], shared: Path, emb: DiskCachedEmbedder) -> dict[str, Any]:
    """Every configuration's held-out figures for one task."""
    groups, split = task_groups(task, suite, shared)
    return {name: evaluate(*config_scores(task, cfg, groups, split, emb)) for name, cfg in CONFIGS.items()}


def support_figures(task: Task, emb: DiskCachedEmbedder) -> dict[str, Any]:
    """The support proxy's calibration on the task's own reference abstracts (harness.scorers.support)."""
    from harness.scorers.support import calibrate_support

    cal = calibrate_support([task.paper(pid) for pid in task.reference_papers], emb)
    return {"auroc": None if cal.auroc is None else round(cal.auroc, 4), "n_papers": cal.n_papers,
            "threshold": None if cal.threshold is None else round(cal.threshold, 4)}


def run(shared: Path, tasks_dir: Path, cache: Path) -> dict[str, Any]:
    from harness.tasks.suite import load_suite

    suite = load_suite(tasks_dir)
    emb = DiskCachedEmbedder(cache)
    study: dict[str, Any] = {"chosen": CHOSEN, "configs": CONFIGS, "embedding_model": emb.model_name,
                             "max_near_topic": MAX_NEAR, "tasks": {}}
    for tid, task in suite.items():
        print(f"calibrating {tid}", flush=True)
        figures = measure_task(task, suite, shared, emb)
        chosen = figures[CHOSEN]
        study["tasks"][tid] = {
            "task_hash": study_hash(task), "configs": figures, "support": support_figures(task, emb),
            "cs_dropped": task.provenance.get("cs_distractors", {}).get("dropped_on_topic", 0),
            "query_text": topic_text(task, CONFIGS[CHOSEN]["query"]), "missed": meets_goals(chosen)}
    return study


def write_readme_table(study: dict[str, Any], readme: Path) -> None:
    text = readme.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"error: {readme} has no {BEGIN} ... {END} markers")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(head + BEGIN + "\n" + render_table(study) + END + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--tasks", type=Path, default=REPO / "tasks")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/review-harness-calibration"))
    ap.add_argument("--render-only", action="store_true", help="only regenerate the README table from the JSON")
    args = ap.parse_args(argv)
    out = args.tasks / "calibration" / "study.json"
    if args.render_only:
        study = json.loads(out.read_text(encoding="utf-8"))
    else:
        study = run(args.shared, args.tasks, args.cache)
        out.write_text(json.dumps(study, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    write_readme_table(study, args.tasks / "README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
