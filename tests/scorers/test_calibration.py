"""AUROC and threshold choice on small hand-made score lists."""

from harness.scorers.calibration import auroc, balanced_youden_threshold, rates_at, youden_threshold


def test_auroc_perfect_random_and_ties():
    assert auroc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert auroc([0.1], [0.9]) == 0.0
    assert auroc([0.5], [0.5]) == 0.5
    assert auroc([], [0.1]) is None


def test_youden_threshold_separates_clean_classes():
    thr = youden_threshold([0.7, 0.8, 0.9], [0.1, 0.2, 0.3])
    assert 0.3 < thr < 0.7
    assert rates_at([0.7, 0.8, 0.9], [0.1, 0.2, 0.3], thr) == {"tpr": 1.0, "fpr": 0.0}


def test_balanced_youden_weighs_each_negative_class_equally():
    # one hard near-topic negative at 0.65 among few; many easy off-topic ones: the cut goes above 0.65
    pos = [0.6, 0.7, 0.8, 0.9]
    thr = balanced_youden_threshold(pos, [0.65, 0.66], [0.1] * 50)
    assert thr > 0.66
    assert balanced_youden_threshold(pos) is None
