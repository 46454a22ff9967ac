"""Scoring with no reference survey: a review on its own, and a task that says `bibliography: none`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.embeddings.encoder import get_embedder
from harness.core.errors import HarnessError
from harness.scorers import ScoringContext, ScoringSuite, score_review
from harness.scorers.generic_topic import calibrate_generic
from harness.scorers.relevance import title_similarity
from harness.tasks.shipped import off_topic_pools
from harness.tasks.suite import get_task, load_task_file

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
BIBLIOGRAPHY_SCORES = ("coverage.recall", "coverage.precision", "coverage.f1", "coverage.pooled_precision",
                       "coverage.method_recall")


def test_the_seed_scored_without_a_task(seed_path):
    res = runner.invoke(app, ["score", str(seed_path), "--scorers", "coverage,citations,length,plan", "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)["scores"]
    assert s["length.truncated"]["value"] == 1.0
    assert s["plan.references_used_rate"]["value"] == 0.5  # 20 of the 40 promised @cite_N are cited
    for name in BIBLIOGRAPHY_SCORES:
        assert s[name]["status"] == "not_applicable" and "no reference bibliography" in s[name]["explanation"]
    assert s["coverage.heading_soft_recall"]["status"] == "not_applicable"  # no outline either
    assert s["length.in_target"]["status"] == "not_applicable"  # the target is the plan's (plan.* scores)
    assert s["citations.valid_rate"]["value"] == 1.0  # every citation names a paper of its own list
    # Its 20 cited papers are the newest arXiv listings (physics, assorted ML): most are off its own topic.
    assert s["citations.on_topic_rate"]["status"] == "ok" and s["citations.on_topic_rate"]["value"] <= 0.3
    assert "generic cut" in s["citations.on_topic_rate"]["explanation"]


def _no_bib_task(tmp_path: Path, topic: str) -> Path:
    """The shipped RAG task's pool, its bibliography removed (bibliography: none)."""
    data = json.loads((REPO / "tasks" / "rag-llm-survey.json").read_text(encoding="utf-8"))
    pool_ids = {i["paper_id"] for i in data["pool"]}
    data.update(id="rag-no-bib", topic=topic, reference_papers=[], bibliography="none", content_hash=None,
                pool=[dict(i, role="topical" if i["role"] == "reference" else i["role"]) for i in data["pool"]],
                papers=[p for p in data["papers"] if p["id"] in pool_ids], pooled_reference_ids=[])
    out = tmp_path / "rag-no-bib.json"
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def test_empty_bibliography_only_when_said_explicitly(tmp_path):
    path = _no_bib_task(tmp_path, "RAG")
    assert load_task_file(path).has_bibliography is False
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("bibliography")
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(HarnessError, match="reference_papers is empty"):
        load_task_file(path)
    data.update(bibliography="none", reference_papers=[data["papers"][0]["id"]])
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(HarnessError, match="bibliography is 'none'"):
        load_task_file(path)
    assert get_task("rag-llm-survey").has_bibliography  # shipped files: no field, hashes unchanged


def test_a_no_bibliography_task_scores_what_needs_none(tmp_path, shared_dir):
    task = load_task_file(_no_bib_task(tmp_path, "Retrieval-augmented generation for large language models"))
    review = __import__("harness.readers", fromlist=["read_review"]).read_review(
        shared_dir / "data" / "outputs" / "surge-autosurvey" / "rag-llm.json")
    s = {x.name: x for x in score_review(review, task, ScoringContext(), ["coverage", "length"])}
    for name in BIBLIOGRAPHY_SCORES:
        assert s[name].status == "not_applicable"
    assert s["coverage.heading_soft_recall"].status == "ok"  # the outline is still the task's
    assert s["length.in_target"].status == "ok"  # the task file keeps its word target


def test_generic_calibration_is_measured_and_holds_on_a_left_out_topic(tmp_path):
    """The RAG task is left out of the fit (same topic); its real bibliography must still pass the cut."""
    task = load_task_file(_no_bib_task(tmp_path, get_task("rag-llm-survey").topic))
    emb = get_embedder()
    cal = calibrate_generic(task, emb, ScoringSuite.from_env())
    assert "rag-llm-survey" in cal.left_out and "rag-llm-survey" not in cal.fit_tasks
    assert cal.threshold is not None and 0.5 < cal.auroc_off_topic <= 1.0
    assert 0 <= cal.loo_fpr < cal.loo_tpr <= 1
    shipped = get_task("rag-llm-survey")
    pos = title_similarity([shipped.paper(p).title for p in shipped.reference_papers], cal.topic_vec, emb)
    neg = title_similarity([p.title for pool in off_topic_pools() for p in pool.papers], cal.topic_vec, emb)
    assert float(np.mean(pos >= cal.threshold)) >= 0.7  # held-out bibliography mostly on-topic
    assert float(np.mean(neg >= cal.threshold)) <= 0.2


def test_a_run_on_a_no_bibliography_task(tmp_path):
    import polars as pl

    from harness.config import ExperimentConfig
    from harness.runner import run_experiment

    tasks = tmp_path / "tasks"
    tasks.mkdir()
    _no_bib_task(tasks, "Retrieval-augmented generation for large language models")
    cfg = ExperimentConfig.from_text(
        f"name: nobib\ntasks_dir: {tasks}\noutput_dir: {tmp_path / 'results'}\ncache_dir: {tmp_path / 'cache'}\n"
        "generators: [{name: ex, kind: extractive, pool: {method: all}}]\n"
        "scorers: {families: [coverage, length]}\n")
    run_experiment(cfg, run_dir=tmp_path / "run", resume=False, progress=False)
    rows = {r["score"]: r for r in pl.read_parquet(tmp_path / "run" / "scores.parquet").to_dicts()}
    assert rows["coverage.recall"]["status"] == "not_applicable"
    assert rows["length.words"]["status"] == "ok" and rows["length.in_target"]["status"] == "ok"
