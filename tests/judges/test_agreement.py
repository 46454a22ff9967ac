"""Agreement figures against hand-computed values (the small file's items, written out here as lists)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.judges.agreement import agreement, figures, stratified_sample

# the items of data/small_support.jsonl: label, the fixed method's verdict and score
LABELS = ["yes", "yes", "yes", "yes", "no", "no", "no", "unclear"]
VERDICTS = [True, True, False, None, False, True, False, True]
SCORES = [0.9, 0.8, 0.3, 0.7, 0.3, 0.85, 0.1, 0.5]
GROUPS = ["SUPPORT"] * 4 + ["CONTRADICT", "CONTRADICT", "NOTENOUGHINFO", None]


def test_each_figure_equals_the_hand_count() -> None:
    f = figures(LABELS, VERDICTS, SCORES)
    assert f.n == 8 and f.counts == {"yes": 4, "no": 3, "unclear": 1}
    # 7 binary items, 6 with a verdict: TP a,b; FN c; TN e,g; FP f
    assert f.judged == 6 and f.scored == 7
    assert f.coverage.value == pytest.approx(6 / 7)
    assert f.accuracy.value == pytest.approx(4 / 6)
    assert f.tpr.value == pytest.approx(2 / 3)
    assert f.tnr.value == pytest.approx(2 / 3)
    assert f.balanced_accuracy.value == pytest.approx(2 / 3)
    # kappa: p_o = 4/6; human yes 3/6, judge yes 3/6 -> p_e = 0.5; (2/3 - 1/2) / (1/2) = 1/3
    assert f.kappa.value == pytest.approx(1 / 3)
    # AUROC: positives .9 .8 .3 .7 vs negatives .3 .85 .1: 3 + 2 + (1 + a tie 0.5) + 2 = 8.5 of 12 pairs
    assert f.auroc.value == pytest.approx(8.5 / 12)


def test_subgroups_hold_their_own_figures_and_undefined_ones_stay_none() -> None:
    a = agreement(LABELS, VERDICTS, SCORES, GROUPS)
    assert sorted(a.subgroups) == ["CONTRADICT", "NOTENOUGHINFO", "SUPPORT"]
    sup, con, nei = a.subgroups["SUPPORT"], a.subgroups["CONTRADICT"], a.subgroups["NOTENOUGHINFO"]
    assert sup.coverage.value == pytest.approx(3 / 4) and sup.tpr.value == pytest.approx(2 / 3)
    assert sup.tnr.value is None and sup.kappa.value is None and sup.auroc.value is None
    assert con.tnr.value == pytest.approx(1 / 2) and nei.tnr.value == pytest.approx(1.0)
    assert con.balanced_accuracy.value is None  # one class only: never a number
    # an item may count in several subgroups (its label's and a slice's)
    b = agreement(LABELS, VERDICTS, SCORES, [[g, "source=x"] if g else None for g in GROUPS])
    assert b.subgroups["source=x"].n == 7


def test_intervals_are_the_percentiles_of_seeded_resamples() -> None:
    f = figures(LABELS, VERDICTS, SCORES, n_boot=400, seed=3)
    again = figures(LABELS, VERDICTS, SCORES, n_boot=400, seed=3)
    assert f == again
    # an independent loop over the same draws gives the same accuracy interval
    rng = np.random.default_rng(3)
    y = np.array([1, 1, 1, 1, 0, 0, 0])
    v = [True, True, False, None, False, True, False]
    accs = []
    for row in rng.integers(0, 7, size=(400, 7)):
        judged = [(y[i], v[i]) for i in row if v[i] is not None]
        if judged:
            accs.append(sum(int(lab) == int(ver) for lab, ver in judged) / len(judged))
    lo, hi = np.percentile(accs, [2.5, 97.5])
    assert f.accuracy.lo == pytest.approx(lo) and f.accuracy.hi == pytest.approx(hi)
    assert f.accuracy.lo <= f.accuracy.value <= f.accuracy.hi
    perfect = figures(["yes", "no"] * 10, [True, False] * 10, [1.0, 0.0] * 10)
    assert perfect.balanced_accuracy.lo == perfect.balanced_accuracy.hi == 1.0


def test_a_judge_that_says_yes_to_everything_scores_chance_not_its_accuracy() -> None:
    labels = ["yes"] * 90 + ["no"] * 10
    f = figures(labels, [True] * 100, [0.5] * 100)
    assert f.accuracy.value == pytest.approx(0.9)
    assert f.balanced_accuracy.value == pytest.approx(0.5) and f.kappa.value == pytest.approx(0.0)
    assert f.auroc.value == pytest.approx(0.5)


def test_no_verdicts_and_no_scores_are_not_numbers() -> None:
    f = figures(["yes", "no"], [None, None], [None, None])
    assert f.coverage.value == 0.0
    assert all(getattr(f, k).value is None for k in ("accuracy", "tpr", "tnr", "kappa", "auroc"))


def test_stratified_sample_keeps_label_shares_and_is_seeded() -> None:
    labels = ["yes"] * 6 + ["no"] * 3 + ["unclear"]
    pick = stratified_sample(labels, 5, seed=1)
    # quotas 3, 1.5, 0.5: floors 3, 1, 0, the one left to the largest remainder (a tie, broken by name: no)
    assert [labels[i] for i in pick].count("yes") == 3 and [labels[i] for i in pick].count("no") == 2
    assert pick == stratified_sample(labels, 5, seed=1) and pick == sorted(pick)
    assert stratified_sample(labels, 50) == list(range(10))
