"""Structure counts from the review's headings."""

from harness.models import Review, Section
from harness.scorers.structure import score_structure

from .builders import resolved, small_task


def test_counts_and_depth():
    secs = [Section(level=2, title="A"), Section(level=3, title="A.1"), Section(level=2, title="B")]
    review = Review(source_format="markdown", text="t", sections=secs)
    s = {x.name: x for x in score_structure(resolved(review), small_task(), None)}
    assert s["structure.headings"].value == 3
    assert s["structure.top_sections"].value == 2
    assert s["structure.max_depth"].value == 2


def test_no_headings_is_not_applicable():
    s = score_structure(resolved("t"), small_task(), None)
    assert {x.status for x in s} == {"not_applicable"}
