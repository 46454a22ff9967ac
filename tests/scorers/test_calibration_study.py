"""The relevance study's held-out evaluation on hand-made scores."""

from __future__ import annotations

import numpy as np

from harness.scorers.calibration_study import evaluate, meets_goals, nearest_scores, operating_threshold


def test_evaluate_fits_on_calibration_and_reports_the_test_half():
    cal = {"pos": np.array([0.8, 0.9]), "cs": np.array([0.1, 0.2]), "near": np.array([0.3, 0.5]),
           "physics": np.array([0.0])}
    # test half: one CS paper scores above the calibrated cut (0.65 = midway between 0.5 and 0.8)
    test = {"pos": np.array([0.7, 0.6]), "cs": np.array([0.66, 0.1]), "near": np.array([0.2]),
            "physics": np.array([0.05])}
    row = evaluate(cal, test)
    assert row["threshold"] == 0.65
    assert row["tpr"] == 0.5 and row["fpr_cs"] == 0.5 and row["fpr_near"] == 0.0
    assert row["auroc_cs"] == 0.75  # pairs (0.7,0.66) (0.7,0.1) (0.6,0.1) above, (0.6,0.66) below: 3 of 4
    assert row["auroc_near"] == 1.0
    assert meets_goals(row) == ["AUROC vs cs 0.750 < 0.95"]


def test_nearest_scores_exclude_the_item_itself():
    bib = np.array([[1.0, 0.0], [0.0, 1.0]])
    vecs = np.array([[1.0, 0.0], [0.6, 0.8]])
    assert list(nearest_scores(vecs, bib)) == [1.0, 0.8]
    assert list(nearest_scores(vecs, bib, [0, None])) == [0.0, 0.8]


def test_operating_threshold_caps_off_topic_false_positives():
    pos, near, physics = np.array([0.55, 0.9]), np.array([0.2]), np.array([0.0])
    cs = np.array([0.1] * 18 + [0.6, 0.7])
    # Youden alone cuts at 0.375 (TPR 1, 2 of 20 CS papers pass = 10%); the 5% cap allows 1 of 20, so the cut
    # rises just above the second-highest CS score
    assert operating_threshold({"pos": pos, "cs": cs, "near": near, "physics": physics}) == 0.6001
    cs_ok = np.array([0.1] * 19 + [0.6])  # 1 of 20 passes at the Youden cut: no raise
    assert operating_threshold({"pos": pos, "cs": cs_ok, "near": near, "physics": physics}) == 0.375
