"""Scoring reads no hidden inputs: the suite and the known-paper index come from the config's tasks_dir (and the
paper files the edge names), passed in through ScoringContext.suite; the run's manifest records them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from reliability.conftest import small_task  # tests/ is on sys.path (rootdir conftest)

from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.models import Task
from harness.papers.resolve import resolve_for_task
from harness.readers import parse_text
from harness.runner.manifest import build_manifest
from harness.runner.scoring import scoring_context
from harness.scorers import ScoringContext, ScoringSuite, score_review
from harness.tasks.recipe import write_task_bytes
from harness.tasks.suite import get_task

OWN_PAPER = "Gradient surgery for multi-task learning of lunar crater counts"


def _own_suite(root: Path) -> Path:
    """A tasks dir of two tasks: `scored` and `other`, whose bibliography holds OWN_PAPER (in no shipped task)."""
    root.mkdir()
    scored = Task.model_validate(small_task("scored", "graph neural networks"))
    other = small_task("other", "crater counting", offset=100)
    other["papers"][0]["title"] = OWN_PAPER
    for task in (scored, Task.model_validate(other)):
        write_task_bytes(root / f"{task.id}.json", task)
    return root


def _review(*titles: str):
    refs = "\n".join(f"[{i}] {t}. 2024." for i, t in enumerate(titles, 1))
    cites = " ".join(f"Claim [{i}]." for i in range(1, len(titles) + 1))
    return parse_text(f"# R\n\n{cites}\n\n## References\n\n{refs}\n", format="markdown")


def _config(tasks_dir: Path) -> ExperimentConfig:
    return ExperimentConfig.from_dict({"tasks": ["scored"], "tasks_dir": str(tasks_dir),
                                       "generators": [{"name": "x", "kind": "extractive"}]})


def test_a_configs_own_tasks_dir_is_the_known_index_not_the_default_suite(tmp_path, monkeypatch):
    monkeypatch.delenv("HARNESS_PAPER_FILES", raising=False)
    root = _own_suite(tmp_path / "tasks")
    shipped_title = get_task("rag-llm-survey").papers[0].title  # a paper of the default suite only
    ctx = scoring_context(_config(root), None, judge=False)
    assert (ctx.suite.tasks_dir, ctx.suite.paper_files) == (str(root), ())
    task = get_task("scored", root)
    classes = [e.ref_class for e in resolve_for_task(_review(OWN_PAPER, shipped_title), task,
                                                     ctx.suite.known()).review.references]
    assert classes == ["known", "unidentified"]
    # the default suite's index says the opposite: the config's tasks_dir is what decided
    default = [e.ref_class for e in resolve_for_task(_review(OWN_PAPER, shipped_title), task,
                                                     ScoringSuite.from_env().known()).review.references]
    assert default == ["unidentified", "known"]
    scores = {s.name: s for s in score_review(_review(OWN_PAPER, shipped_title), task, ctx, ["citations"])}
    assert scores["citations.valid_rate"].details["occurrence_classes"] == {"known": 1, "unidentified": 1}


def test_an_empty_context_has_no_known_index_no_suite_and_no_pools():
    ctx = ScoringContext()
    assert ctx.suite.known() is None and ctx.suite.tasks() == {} and ctx.suite.pool_hashes() == {}
    with pytest.raises(HarnessError):
        ctx.suite.pools()  # relevance then has no negatives and says so; it never reads a default data dir
    review = _review(get_task("rag-llm-survey").papers[0].title)
    task = Task.model_validate(small_task("scored", "graph neural networks"))
    by = {s.name: s for s in score_review(review, task, ctx, ["citations"])}
    assert by["citations.valid_rate"].details["occurrence_classes"] == {"unidentified": 1}


def test_paper_files_are_read_at_the_edge_and_recorded_in_the_manifest(tmp_path, monkeypatch):
    root = _own_suite(tmp_path / "tasks")
    mine = tmp_path / "mine.jsonl"
    mine.write_text(json.dumps({"title": "A Private Lab Report On Oracles", "year": 2024}) + "\n", encoding="utf-8")
    monkeypatch.setenv("HARNESS_PAPER_FILES", str(mine))
    config = _config(root)
    ctx = scoring_context(config, None, judge=False)
    assert ctx.suite.paper_files == (str(mine),)
    task = get_task("scored", root)
    (entry,) = resolve_for_task(_review("A Private Lab Report On Oracles"), task, ctx.suite.known()).review.references
    assert entry.ref_class == "known"
    recorded = build_manifest(config, "run", {"scored": task}, [])["scoring_suite"]
    assert recorded["tasks_dir"] == str(root)
    assert recorded["suite"] == {"other": get_task("other", root).content_hash, "scored": task.content_hash}
    assert recorded["paper_files"] == [{"path": str(mine), "sha256": hashlib.sha256(mine.read_bytes()).hexdigest()}]
    pools = Path(recorded["data_dir"]) / "pools"
    assert recorded["off_topic_pools"] == {n: hashlib.sha256((pools / n).read_bytes()).hexdigest()
                                           for n in ("distractors-physics.json", "distractors-cs.json")}
