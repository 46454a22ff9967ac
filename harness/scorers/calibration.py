"""Threshold calibration for similarity scorers: AUROC and a Youden-optimal cut between positives and negatives."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def auroc(pos: Sequence[float], neg: Sequence[float]) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half); None if a side is empty."""
    p = np.asarray(pos, dtype=np.float64)
    n = np.asarray(neg, dtype=np.float64)
    if p.size == 0 or n.size == 0:
        return None
    greater = (p[:, None] > n[None, :]).sum()
    ties = (p[:, None] == n[None, :]).sum()
    return float((greater + 0.5 * ties) / (p.size * n.size))


def youden_threshold(pos: Sequence[float], neg: Sequence[float]) -> float | None:
    """Cut maximising TPR - FPR (score >= cut is positive), midway between the two scores around the best cut."""
    p = np.sort(np.asarray(pos, dtype=np.float64))
    n = np.sort(np.asarray(neg, dtype=np.float64))
    if p.size == 0 or n.size == 0:
        return None
    values = np.unique(np.concatenate([p, n]))
    best, best_j = float(values[0]), -np.inf
    for i, v in enumerate(values):
        tpr = 1.0 - np.searchsorted(p, v, side="left") / p.size
        fpr = 1.0 - np.searchsorted(n, v, side="left") / n.size
        j = tpr - fpr
        if j > best_j + 1e-12:
            lower = values[i - 1] if i > 0 else v
            best, best_j = float((v + lower) / 2), j
    return best


def rates_at(pos: Sequence[float], neg: Sequence[float], threshold: float) -> dict[str, float]:
    """True-positive and false-positive rates of `score >= threshold`."""
    p = np.asarray(pos, dtype=np.float64)
    n = np.asarray(neg, dtype=np.float64)
    return {"tpr": float((p >= threshold).mean()) if p.size else float("nan"),
            "fpr": float((n >= threshold).mean()) if n.size else float("nan")}


def balanced_youden_threshold(pos: Sequence[float], *negative_classes: Sequence[float]) -> float | None:
    """Cut maximising TPR - mean FPR over the non-empty negative classes (each class weighs the same)."""
    p = np.sort(np.asarray(pos, dtype=np.float64))
    negs = [np.sort(np.asarray(n, dtype=np.float64)) for n in negative_classes if len(n)]
    if p.size == 0 or not negs:
        return None
    values = np.unique(np.concatenate([p, *negs]))
    best, best_j = float(values[0]), -np.inf
    for i, v in enumerate(values):
        tpr = 1.0 - np.searchsorted(p, v, side="left") / p.size
        fpr = float(np.mean([1.0 - np.searchsorted(n, v, side="left") / n.size for n in negs]))
        j = tpr - fpr
        if j > best_j + 1e-12:
            lower = values[i - 1] if i > 0 else v
            best, best_j = float((v + lower) / 2), j
    return best
