"""The seed (a Literature Review Report) parses into the facts the harness must catch."""

from __future__ import annotations

import pytest

from harness.readers import detect_format, read_review
from harness.readers.litreview_report import parse, parse_usage
from harness.papers.resolve import resolve_review
from harness.core.text import count_words, ends_mid_sentence


@pytest.fixture(scope="module")
def seed(seed_path):
    return read_review(seed_path)


def test_seed_is_detected_as_report(seed_path):
    assert detect_format(seed_path.read_text(), seed_path.name) == "litreview-report"


def test_seed_usage_per_stage_and_cost(seed):
    u = seed.usage
    assert (u.input_tokens, u.output_tokens) == (23592, 10192)
    assert u.cost_usd == pytest.approx(0.006157)
    assert u.cost_source == "reported"
    assert [(s.name, s.input_tokens, s.output_tokens) for s in u.stages] == [
        ("plan", 10621, 2000), ("review", 12971, 8192)]


def test_seed_pool_papers_have_arxiv_ids_and_abstracts(seed):
    assert len(seed.papers) == 40
    assert all(p.arxiv_id and p.id == p.arxiv_id for p in seed.papers)
    assert seed.papers[0].arxiv_id == "2511.10648"
    assert seed.papers[0].abstract.endswith("...")  # truncated abstracts are kept as they are


def test_seed_references_all_resolve_against_its_own_papers(seed):
    assert [e.key for e in seed.references] == [str(i) for i in range(1, 21)]
    assert seed.references[0].arxiv_id == "2511.10604"
    assert seed.references[0].year == 2025
    assert seed.references[0].title == "Multitask GLocal OBIA-Mamba for Sentinel-2 Landcover Mapping"
    report = resolve_review(seed, seed.papers).report
    assert report.counts["resolved"] == 20 and not report.unresolved
    assert not report.dangling and not report.uncited


def test_seed_markers_are_1_to_20(seed):
    keys = {k for c in seed.citations for k in c.keys}
    assert keys == {str(i) for i in range(1, 21)}
    first = seed.citations[0]
    assert first.marker == "[1]" and first.section == "1 Introduction: The New Frontier of Spatio-Temporal Intelligence"
    assert "profound implications" in first.sentence


def test_seed_body_words_and_truncation(seed):
    assert count_words(seed.text) == pytest.approx(6065, rel=0.01)
    assert ends_mid_sentence(seed.text)
    assert seed.text.startswith("# The Rise of Spatio-Temporal Foundation Models")
    assert "## References" not in seed.text and "Papers Used" not in seed.text and "Paper ID" not in seed.text


def test_seed_sections_topic_and_plan(seed):
    assert seed.sections[0].level == 1
    assert next(s.title for s in seed.sections if s.level == 2).startswith("1 Introduction")
    assert seed.topic.startswith("a of the latest advances (since 2024)")
    assert seed.plan.startswith("Of course.") and "@cite_1" in seed.plan
    assert seed.plan.rstrip().endswith("*Case")  # the plan itself is truncated in the seed
    assert seed.finish_reason is None


def test_review_heading_named_references_stays_in_body():
    text = ("# Literature Review Report\n\n## Topic\n\nT\n\n## Plan\n\nP\n\n## Literature Review\n\n"
            "# Title\n\n## References in prior work\n\nEarlier surveys [1] differ.\n\n## References\n\n"
            "Body text about references [2].\n\n## References\n\n[1] A (2020). First paper. http://x\n\n"
            "[2] B (2021). Second paper. http://y\n\n## Papers Used (0 papers)\n")
    review = parse(text)
    assert "Body text about references" in review.text
    assert [e.key for e in review.references] == ["1", "2"]
    assert review.plan == "P"


def test_usage_without_total_sums_stages():
    u = parse_usage("### Plan Generation\n- Input tokens: 1,000\n- Output tokens: 10\n\n"
                    "### Review Generation\n- Input tokens: 5\n- Output tokens: 7\n")
    assert (u.input_tokens, u.output_tokens, u.cost_usd) == (1005, 17, None)


_REPORT = ("# Literature Review Report\n\n## Topic\n\nGraphs\n\n## Usage Statistics\n\n{usage}\n"
           "## Literature Review\n\n# R\n\nA claim [1].\n\n## References\n\n[1] Some Paper Title Here\n")


def _usage_of(usage: str):
    from harness.readers import parse_text

    return parse_text(_REPORT.format(usage=usage), format="litreview-report")


def test_total_contradicting_stages_is_replaced_by_their_sum_with_a_warning():
    """Issue 14.5: 'Total input tokens: 99' beside stages summing to 23,592 is not taken as 99."""
    r = _usage_of("### Plan Generation\n- Input tokens: 10621\n- Output tokens: 2000\n\n"
                  "### Review Generation\n- Input tokens: 12971\n- Output tokens: 8192\n\n"
                  "### Total\n- Total input tokens: 99\n- Total output tokens: 10192\n")
    assert (r.usage.input_tokens, r.usage.output_tokens) == (23592, 10192)
    assert any("99 contradicts the stages' sum 23592" in w for w in r.warnings)
    assert not any("output tokens" in w for w in r.warnings)  # the output total agrees


def test_negative_and_absurd_usage_values_are_warned():
    r = _usage_of("### Total\n- Total input tokens: 100\n- Total output tokens: 50\n"
                  "- **Total Cost (USD): $-0.50**\n")
    assert r.usage.cost_usd is None and any("cost is negative" in w for w in r.warnings)
    r = _usage_of("### Review Generation\n- Input tokens: 900000000\n- Output tokens: -5\n\n"
                  "- **Total Cost (USD): $25000**\n")
    assert r.usage.stages[0].output_tokens is None
    assert any("output tokens is negative" in w for w in r.warnings)
    assert any("implausibly large" in w and "input tokens" in w for w in r.warnings)
    assert r.usage.cost_usd == 25000 and any("$25,000.00" in w for w in r.warnings)


def test_the_seeds_usage_is_consistent(seed):
    assert (seed.usage.input_tokens, seed.usage.output_tokens) == (23592, 10192)
    assert not any(w.startswith("usage:") for w in seed.warnings)
