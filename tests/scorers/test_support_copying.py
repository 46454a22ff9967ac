"""Copying is not support, and every support score says what share of citation occurrences it judged."""

from __future__ import annotations

import pytest

from harness.readers import parse_text
from harness.scorers import ScoringContext, score_review
from harness.scorers.judge_methods import SUPPORT_METHODS, Claim, Evidence
from harness.core.text import split_sentences


@pytest.fixture(scope="module")
def papers(stfm_task):
    return [p for p in stfm_task.papers if p.abstract and len(split_sentences(p.abstract)) >= 3][:3]


def _review(papers, body: str):
    refs = "\n".join(f"[{i}] {p.title}" for i, p in enumerate(papers, 1))
    refs += "\n[4] An entirely unknown paper on nothing in particular, 1999"
    return parse_text(f"# R\n\n{body}\n\n## References\n\n{refs}\n", format="markdown")


def _body(papers) -> str:
    first = split_sentences(papers[0].abstract)[0].rstrip(".")
    return (f"{first} [1]. Work on {papers[1].title} is discussed here [2]. "
            "Trajectory models transfer across cities once pretrained on worldwide traces [3][4].")


@pytest.mark.parametrize("method", ["similarity", "signals"])
def test_a_copied_sentence_is_never_counted_as_supported(papers, stfm_task, method):
    review = _review(papers, _body(papers))
    s = {x.name: x for x in score_review(review, stfm_task, ScoringContext(support={"method": method}),
                                         ["citations"])}
    rate = s["citations.support_rate"]
    assert rate.status == "ok", rate.explanation
    by_sentence = {v["sentence"][:20]: v for v in rate.details["verdicts"]}
    pasted = by_sentence[split_sentences(papers[0].abstract)[0][:20]]
    titled = by_sentence["Work on " + papers[1].title[:12]]
    assert pasted["copied"] == "abstract" and pasted["supports"] is False
    assert titled["copied"] == "title" and titled["supports"] is False
    assert rate.details["copied_pairs"] == 2 and rate.details["copied_sentences"] == 2
    assert "copying is not support" in rate.explanation
    # without the rule the method itself calls the pasted abstract sentence supported: the rule is what stops it
    claim = Claim(0, pasted["sentence"], False, [Evidence("p", papers[0].title, papers[0].abstract)])
    res = SUPPORT_METHODS.get(method).fn([claim], stfm_task, ScoringContext(), None)
    assert res.pairs[(0, "p")] is True


def test_every_support_score_says_what_share_of_occurrences_it_judged(papers, stfm_task):
    review = _review(papers, _body(papers))
    s = {x.name: x for x in score_review(review, stfm_task, ScoringContext(), ["citations"])}
    rate, prec = s["citations.support_rate"], s["citations.support_precision"]
    # 4 citation occurrences ([1], [2], [3], [4]); [4] cites a paper with no known abstract
    for score in (rate, prec):
        assert score.details["occurrences"] == 4 and score.details["occurrences_judged"] == 3
        assert score.details["judged_share"] == 0.75
        assert "judged 3 of 4 citation occurrences (75%)" in score.explanation
    assert s["citations.unverifiable"].value == 1 and s["citations.unverifiable"].status == "ok"


def test_similarity_is_named_for_what_it_measures(papers, stfm_task):
    review = _review(papers, _body(papers))
    rate = {x.name: x for x in score_review(review, stfm_task, ScoringContext(), ["citations"])}[
        "citations.support_rate"]
    assert rate.details["method"] == "similarity"
    assert "topical closeness" in rate.details["measures"] and "not whether" in rate.details["measures"]
    assert "topically close" in rate.explanation and "NOT whether it backs the claim" in rate.explanation
