"""Identifiers that no real record can have are flagged offline; plausible ones are left to online checks."""

from __future__ import annotations

from datetime import date

import pytest

from harness.papers.refclass import arxiv_id_problem, id_problem

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize("aid", ["1706.03762", "2305.14283", "2411.24999", "0704.0001", "1412.9999",
                                 "hep-th/9901001", "2612.00001"])
def test_real_or_plausible_arxiv_ids_pass(aid):
    assert arxiv_id_problem(aid, TODAY) is None


@pytest.mark.parametrize("aid, why", [
    ("2411.90000", "beyond any month's range"),  # no month has had 90,000 submissions
    ("2411.00000", "beyond any month's range"),  # numbering starts at 1
    ("1613.01234", "no month"),
    ("0612.1234", "no month"),  # new-style ids start in April 2007
    ("2701.00001", "future"),
    ("1412.01234", "5-digit"),  # five digits only from 2015
    ("2301.1234", "4-digit"),
    ("1812.25000", "beyond any month's range"),  # bound 20,000 before 2019 (busiest month then: ~13k)
])
def test_impossible_arxiv_ids_are_flagged(aid, why):
    assert why in (arxiv_id_problem(aid, TODAY) or "")


def test_malformed_arxiv_mentions_and_doi_shapes():
    assert "malformed" in id_problem(None, None, "Some Title. arXiv:2411.9", TODAY)
    assert "impossible shape" in id_problem(None, "10.12/abc", "", TODAY)
    assert "impossible shape" in id_problem(None, None, "Title. doi:10.1234/", TODAY)
    assert id_problem(None, "https://doi.org/10.18653/v1/N19-1423", "", TODAY) is None
    assert id_problem("2305.14283v2", None, "Query Rewriting. arXiv:2305.14283v2", TODAY) is None
