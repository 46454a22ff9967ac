"""Markdown reviews: numeric citation forms, trailing reference lists, the real SurGE/AutoSurvey files."""

from __future__ import annotations

from harness.readers import parse_text, read_review


def test_numeric_marker_forms_and_keys():
    text = ("# T\n\n## Intro\n\nOne [3]. Two [3, 5]. Three [3; 5]. Four [3-5]. Five [6]; [11].\n\n"
            "```\ncode [99]\n```\n\n## References\n\n" + "\n".join(f"[{i}] Paper {i}" for i in range(1, 12)))
    review = parse_text(text, "markdown")
    assert [c.keys for c in review.citations] == [["3"], ["3", "5"], ["3", "5"], ["3", "4", "5"], ["6"], ["11"]]
    assert review.citations[3].marker == "[3-5]" and review.citations[3].sentence == "Four [3-5]."
    assert {c.section for c in review.citations} == {"Intro"}
    assert "99" not in {k for c in review.citations for k in c.keys}  # fenced code is skipped
    assert len(review.references) == 11 and review.references[0].title == "Paper 1"
    assert "Paper 1" not in review.text and review.title == "T"


def test_reference_list_under_a_colon_line():
    review = parse_text("Body cites [1].\n\nReferences:\n[1] A. (n.d.). *Some Title*\n[2] B. (n.d.). *Other*\n")
    assert review.text.strip() == "Body cites [1]."
    assert [e.title for e in review.references] == ["Some Title", "Other"]


def test_autosurvey_example(shared_dir):
    review = read_review(shared_dir / "data/outputs/autosurvey-examples/In-context Learning.md")
    assert review.source_format == "markdown"
    assert review.title == "A Comprehensive Survey on In-Context Learning"
    assert len(review.references) == 74 and len(review.citations) > 100
    assert not review.warnings


def test_surge_id_inner_reference_block_is_left_out(shared_dir):
    review = read_review(shared_dir / "data/outputs/surge-id/rag-llm.md")
    assert "[References]" not in review.text and "Jurafsky" not in review.text
    assert any("inside the text (line 20, 10 entries)" in w for w in review.warnings)
    assert len(review.references) == 45  # the final "References:" list
    assert review.references[0].title == "Retrieval-Augmented Generation for AI-Generated Content: A Survey"
    assert review.references[0].authors[:2] == ["Penghao Zhao", "Hailin Zhang"]
    assert review.sections[0].level == 3  # its headings start at ###


def test_surge_naive_bold_references_heading(shared_dir):
    review = read_review(shared_dir / "data/outputs/surge-naive/visual-transformer.md")
    assert len(review.references) == 100
    assert "**References:**" not in review.text
