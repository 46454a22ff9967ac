"""`harness tasks new --bib/--papers`: a validated task file whose coverage matches the shipped task's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.models import normalize_title
from harness.readers import read_review
from harness.scorers import ScoringContext, score_review
from harness.tasks.suite import get_task, load_task_file

DATA = Path(__file__).parent / "data"
RAG_TOPIC = "Retrieval-augmented generation (RAG) for large language models"
runner = CliRunner()


def _new(tmp_path: Path, *args: str) -> tuple[object, Path]:
    out = tmp_path / "rag-bib.json"
    res = runner.invoke(app, ["tasks", "new", "--out", str(out), "--topic", RAG_TOPIC, *args])
    return res, out


def test_bib_task_is_written_with_a_report_of_what_was_dropped(tmp_path, shared_dir):
    res, out = _new(tmp_path, "--bib", str(DATA / "rag-refs.bib"), "--reference-survey-title",
                    "Retrieval-Augmented Generation for Large Language Models: A Survey")
    assert res.exit_code == 0, res.output
    assert "4 dropped" in res.output and "line 212, key broken2023: unparsable entry" in res.output
    assert "line 281, key badfields2020: field year is not a year" in res.output
    task = load_task_file(out)
    assert task.id == "rag-bib" and len(task.reference_papers) == 63
    assert {d["key"] for d in task.provenance["dropped"]} == {"notitle2023", "crudrag2024", "broken2023", "samepaper"}
    roles = task.provenance["pool_recipe"]["counts"]
    assert roles == {"reference": 30, "topical": 0, "off-topic": 15}
    refs = task.reference_set
    off = [task.paper(i.paper_id) for i in task.pool if i.role == "off-topic"]
    assert all(p.id not in refs for p in off) and all(p.abstract for p in off)  # shipped distractors
    assert (task.target_words.min, task.target_words.max) == (4000, 6000)


def test_bib_task_scores_autosurvey_like_the_shipped_task_restricted_to_its_entries(tmp_path, shared_dir):
    res, out = _new(tmp_path, "--bib", str(DATA / "rag-refs.bib"))
    assert res.exit_code == 0, res.output
    new = load_task_file(out)
    shipped = get_task("rag-llm-survey")
    by_title = {normalize_title(shipped.paper(pid).title): pid for pid in shipped.reference_papers}
    ids = [pid if pid in shipped.reference_set else by_title[normalize_title(new.paper(pid).title)]
           for pid in new.reference_papers]
    restricted = shipped.model_copy(update={"reference_papers": ids, "content_hash": None})
    review = read_review(shared_dir / "data" / "outputs" / "surge-autosurvey" / "rag-llm.json")
    ctx = ScoringContext()
    a = {s.name: s for s in score_review(review, new, ctx, ["coverage"])}
    b = {s.name: s for s in score_review(review, restricted, ctx, ["coverage"])}
    # The AutoSurvey RAG output cites 5 of the bibliography's papers (all in the .bib) among 65 distinct references.
    assert a["coverage.recall"].value == pytest.approx(5 / 63)
    assert a["coverage.precision"].value == pytest.approx(5 / 65)
    for name in ("coverage.recall", "coverage.precision", "coverage.f1"):
        assert a[name].value == b[name].value, name
    assert sorted(a["coverage.recall"].details["hits"]) == sorted(b["coverage.recall"].details["hits"])


def test_papers_jsonl_and_too_few_entries(tmp_path, shared_dir):
    rows = [json.loads(l) for l in (shared_dir / "data" / "abstracts" / "reference-abstracts.jsonl")
            .read_text(encoding="utf-8").splitlines()[:12]]
    f = tmp_path / "papers.jsonl"
    f.write_text("".join(json.dumps({"title": r["title"], "arxiv_id": r["arxiv_id"], "abstract": r["abstract"]})
                         + "\n" for r in rows), encoding="utf-8")
    res, out = _new(tmp_path, "--papers", str(f), "--target-words", "3000-3500", "--id", "twelve")
    assert res.exit_code == 0, res.output
    task = load_task_file(out)
    assert task.id == "twelve" and len(task.reference_papers) == len({r["arxiv_id"] for r in rows})
    assert (task.target_words.min, task.target_words.max) == (3000, 3500)
    res, _ = _new(tmp_path, "--papers", str(f), "--min-papers", "50")
    assert res.exit_code != 0 and "need at least 50" in str(res.exception)
    res, _ = _new(tmp_path, "--papers", str(f), "--bib", str(DATA / "rag-refs.bib"))
    assert res.exit_code != 0 and "exactly one of" in str(res.exception)


def test_a_task_file_path_works_wherever_a_task_id_does(tmp_path, shared_dir):
    _, out = _new(tmp_path, "--bib", str(DATA / "rag-refs.bib"))
    res = runner.invoke(app, ["tasks", "show", str(out)])
    assert res.exit_code == 0 and "task rag-bib" in res.output and "reference papers: 63" in res.output
    review = shared_dir / "data" / "outputs" / "surge-autosurvey" / "rag-llm.json"
    res = runner.invoke(app, ["score", str(review), "--task", str(out), "--scorers", "coverage", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["task"] == "rag-bib"
    res = runner.invoke(app, ["inspect", str(review), "--task", str(out), "--json"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(review), "--task", str(tmp_path / "missing.json")])
    assert res.exit_code != 0 and "missing.json" in str(res.exception)


def test_topical_pool_and_outline(tmp_path, shared_dir):
    pool = json.loads((shared_dir / "data" / "pools" / "stfm-pool-2025.json").read_text(encoding="utf-8"))["papers"][:6]
    f = tmp_path / "pool.jsonl"
    bib_paper = {"title": "The Power of Noise: Redefining Retrieval for RAG Systems", "arxiv_id": "2401.14887"}
    rows = [{"title": p["title"], "arxiv_id": p["arxiv_id"], "abstract": p["abstract"]} for p in pool] + [bib_paper]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    outline = tmp_path / "outline.md"
    outline.write_text("# Retrieval\n## Dense retrievers\n# Generation\n", encoding="utf-8")
    res, out = _new(tmp_path, "--bib", str(DATA / "rag-refs.bib"), "--pool", str(f), "--outline", str(outline))
    assert res.exit_code == 0, res.output
    task = load_task_file(out)
    topical = [i.paper_id for i in task.pool if i.role == "topical"]
    assert sorted(topical) == sorted(p["arxiv_id"] for p in pool)  # the bibliography's own paper is not topical
    assert task.reference_survey.outline == ["Retrieval", "Retrieval > Dense retrievers", "Generation"]
    assert task.provenance["sources"][1]["role"] == "topical_pool"
