"""SurveyBench ref.json: references only, keyed by arXiv id."""

from __future__ import annotations

from harness.readers import read_review


def test_generated_ref_json(shared_dir):
    path = shared_dir / "data/surveybench/generated_surveys_ref/Evaluation of Large Language Models/exp_1/ref.json"
    review = read_review(path)
    assert review.source_format == "surveybench-ref"
    assert review.text == "" and review.citations == []
    assert "reference list without text" in review.warnings
    assert len(review.references) > 10
    assert review.references[0].arxiv_id == "2310.19736" and review.references[0].key == "1"


def test_human_written_ref_has_titles(shared_dir):
    folder = shared_dir / "data/surveybench/human_written_ref"
    review = read_review(next(folder.glob("*.json")), format="surveybench-ref")
    assert all(e.arxiv_id for e in review.references)
    assert any(e.title for e in review.references)
