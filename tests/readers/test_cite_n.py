"""@cite_N reviews: keys cite_N resolve to the N-th paper of the pool order."""

from __future__ import annotations

from harness.models import Paper
from harness.readers import detect_format, parse_text
from harness.papers.resolve import resolve_review

POOL = [Paper(id="2401.00001", title="Alpha method", arxiv_id="2401.00001"),
        Paper(id="2401.00002", title="Beta method", arxiv_id="2401.00002")]


def test_cite_n_detected_and_resolved_by_pool_order():
    text = "## Related work\n\nAlpha does X @cite_1. Beta and alpha differ @cite_2, @cite_1. Ghost @cite_9.\n"
    assert detect_format(text) == "cite-n"
    review = parse_text(text, pool=POOL)
    assert [c.keys for c in review.citations] == [["cite_1"], ["cite_2"], ["cite_1"], ["cite_9"]]
    resolved = resolve_review(review, POOL)
    assert [c.paper_ids for c in resolved.review.citations] == [["2401.00001"], ["2401.00002"], ["2401.00001"], [None]]
    assert resolved.report.dangling == ["cite_9"]


def test_cite_n_reader_does_not_warn_about_a_pool_a_task_will_give():
    """Issue 14.15: the pool warning is for `harness inspect` without --task (tests/cli/test_inspect.py)."""
    review = parse_text("Text @cite_1.\n", "cite-n")
    assert not any("pool" in w for w in review.warnings)
