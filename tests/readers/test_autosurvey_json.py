"""AutoSurvey JSON: the survey markdown plus the entry-number -> arXiv id map."""

from __future__ import annotations

import json

import pytest

from harness.core.errors import HarnessError
from harness.readers import parse_text, read_review


def test_real_file_sets_arxiv_ids_from_map(shared_dir):
    path = shared_dir / "data/outputs/surge-autosurvey/rag-llm.json"
    review = read_review(path)
    assert review.source_format == "autosurvey-json"
    assert len(review.references) == 65
    assert review.references[0].arxiv_id == "2404.10981"  # "2404.10981v1" with the version stripped
    assert all(e.arxiv_id for e in review.references)
    same_md = read_review(shared_dir / "data/outputs/surge-autosurvey/rag-llm.md")
    assert review.text == same_md.text


def test_map_key_without_entry_is_added_with_warning():
    text = json.dumps({"survey": "Text [1] and [2].\n\n## References\n\n[1] A title here\n",
                       "reference": {"1": "2101.00001v2", "2": "2101.00002"}})
    review = parse_text(text)
    assert [(e.key, e.arxiv_id) for e in review.references] == [("1", "2101.00001"), ("2", "2101.00002")]
    assert any("key 2" in w for w in review.warnings)


def test_wrong_shape_is_a_clear_error():
    with pytest.raises(HarnessError, match="survey"):
        parse_text(json.dumps({"survey": 3}), "autosurvey-json")
