"""Cohen's kappa between support methods, against hand-computed values."""

from __future__ import annotations

import json

import pytest

from harness.scorers.support_agreement import cohen_kappa, identity, method_agreement


def test_kappa_matches_a_hand_count():
    # 10 items: both yes 4, both no 3, a-only 2, b-only 1 -> po 0.7; pa 0.6, pb 0.5 -> pe 0.5 -> kappa 0.4
    a = [True] * 4 + [False] * 3 + [True] * 2 + [False]
    b = [True] * 4 + [False] * 3 + [False] * 2 + [True]
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(a, a) == pytest.approx(1.0)
    assert cohen_kappa([True, False], [False, True]) == pytest.approx(-1.0)
    assert cohen_kappa([], []) is None and cohen_kappa([True, True], [True, True]) is None


def test_agreement_pairs_verdicts_by_cell_and_citation():
    def row(cell, method, model, verdicts, name="citations.support_rate"):
        return {"cell": cell, "score": name, "status": "ok",
                "details": json.dumps({"method": method, "model": model,
                                       "verdicts": [{"pair": p, "supports": v} for p, v in verdicts]})}

    rows = [row("c1", "similarity", "minilm", [("0|a", True), ("1|b", False), ("2|c", True)]),
            row("c1", "nli", "xs", [("0|a", True), ("1|b", True), ("2|c", True)], "citations.support_rate.nli"),
            row("c2", "similarity", "minilm", [("0|a", False)]),
            row("c2", "nli", "xs", [("0|a", False), ("9|z", True)], "citations.support_rate.nli")]
    (ag,) = method_agreement(rows)
    assert ag.n_pairs == 4 and ag.observed == 0.75
    # similarity T,F,T,F vs nli T,T,T,F: po 0.75, pa 0.5, pb 0.75, pe 0.5 -> kappa 0.5
    assert ag.kappa == pytest.approx(0.5)
    assert identity({"method": "cosine(citing sentence, ...)"}).startswith("similarity")



def test_a_support_column_never_stands_unlabelled():
    import json

    from harness.scorers.support_agreement import support_notes

    det = {"method": "similarity", "measures": "topical closeness of the citing sentence to the cited abstract",
           "occurrences": 240, "occurrences_judged": 27}
    rows = [{"score": "citations.support_rate", "status": "ok", "details": json.dumps(det)},
            {"score": "citations.support_rate", "status": "ok", "details": {**det, "occurrences": 10,
                                                                           "occurrences_judged": 3}},
            {"score": "citations.support_rate.signals", "status": "ok",
             "details": {"method": "signals", "measures": "a fitted model", "occurrences": 4,
                         "occurrences_judged": 4}}]
    notes = support_notes(rows)
    assert notes[0].startswith("citations.support_rate is judged by `similarity`: topical closeness")
    assert "judged 30 of 250 citation occurrences (12%)" in notes[0]
    assert notes[1].startswith("citations.support_rate.signals is judged by `signals`: a fitted model")
    old = support_notes([{"score": "citations.support_rate", "status": "ok", "details": "{}"}])  # a pre-issue run
    assert "topical closeness" in old[0] and "not whether it backs the claim" in old[0]
