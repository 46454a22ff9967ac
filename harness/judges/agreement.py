"""Agreement of a judge with people: the figures `harness judges validate` prints, each with a bootstrap CI.

Pure functions over parallel lists: a person's label (yes | no | unclear), the judge's verdict (True | False |
None = no verdict) and the judge's score (higher = more "yes"; None where it has none). Conventions:
- n and the class balance count every item; the agreement figures use the items labelled yes or no
  ("binary" items); `unclear` items are counted and never scored against.
- coverage = the share of binary items the judge gave a verdict; accuracy, balanced accuracy, Cohen's kappa,
  TPR (yes items judged yes) and TNR (no items judged no) are over the binary items with a verdict;
  AUROC is over the binary items with a score (ties count half).
- 95% CIs: percentile bootstrap over the binary items (B resamples, seeded); a figure undefined in a resample
  (e.g. no yes item drawn) is left out of that resample's distribution.
A figure that cannot be computed from the items (no yes item for TPR, no score for AUROC) is None, never 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, Field

N_BOOT = 1000
SEED = 0
FIGURES = ("coverage", "auroc", "accuracy", "balanced_accuracy", "kappa", "tpr", "tnr")


class Estimate(BaseModel):
    """A figure and its 95% bootstrap interval (None when undefined on these items)."""

    value: float | None = None
    lo: float | None = None
    hi: float | None = None

    def text(self, digits: int = 2) -> str:
        if self.value is None:
            return "n/a"
        ci = f" [{self.lo:.{digits}f}, {self.hi:.{digits}f}]" if self.lo is not None and self.hi is not None else ""
        return f"{self.value:.{digits}f}{ci}"


class Figures(BaseModel):
    """The agreement figures on one set of items (all items, or one subgroup)."""

    n: int
    counts: dict[str, int] = Field(description="items per label: yes, no, unclear")
    judged: int = Field(description="binary items with a verdict")
    scored: int = Field(description="binary items with a score")
    coverage: Estimate
    auroc: Estimate
    accuracy: Estimate
    balanced_accuracy: Estimate
    kappa: Estimate
    tpr: Estimate
    tnr: Estimate


class Agreement(BaseModel):
    """Figures over all items and per subgroup, and how the intervals were drawn."""

    overall: Figures
    subgroups: dict[str, Figures] = Field(default_factory=dict)
    n_boot: int = N_BOOT
    seed: int = SEED


def _rates(y: np.ndarray, v: np.ndarray, has_v: np.ndarray) -> dict[str, np.ndarray]:
    """Figures per row of (resample x item) arrays: y label 1/0, v verdict 1/0, has_v verdict given."""
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.full(y.shape[0], y.shape[1], dtype=float)
        judged = has_v.sum(1).astype(float)
        tp = (has_v & (y == 1) & (v == 1)).sum(1)
        fn = (has_v & (y == 1) & (v == 0)).sum(1)
        tn = (has_v & (y == 0) & (v == 0)).sum(1)
        fp = (has_v & (y == 0) & (v == 1)).sum(1)
        pos, neg = tp + fn, tn + fp
        tpr = np.where(pos > 0, tp / pos, np.nan)
        tnr = np.where(neg > 0, tn / neg, np.nan)
        acc = np.where(judged > 0, (tp + tn) / judged, np.nan)
        p_yes_h, p_yes_j = pos / judged, (tp + fp) / judged
        pe = p_yes_h * p_yes_j + (1 - p_yes_h) * (1 - p_yes_j)
        kappa = np.where((pos > 0) & (neg > 0) & (pe < 1), (acc - pe) / (1 - pe), np.nan)  # both classes present
        return {"coverage": np.where(n > 0, judged / n, np.nan), "accuracy": acc, "tpr": tpr, "tnr": tnr,
                "balanced_accuracy": (tpr + tnr) / 2, "kappa": kappa}


def _auroc_rows(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    """AUROC per row (Mann-Whitney with ties counted half); NaN where a row lacks either class."""
    out = np.full(y.shape[0], np.nan)
    for r in range(y.shape[0]):
        pos, neg = s[r][y[r] == 1], s[r][y[r] == 0]
        if pos.size and neg.size:
            allv = np.concatenate([pos, neg])
            order = allv.argsort(kind="mergesort")
            ranks = np.empty(allv.size)
            sorted_v = allv[order]
            # average ranks for ties
            uniq, first, counts = np.unique(sorted_v, return_index=True, return_counts=True)
            avg = first + (counts + 1) / 2.0
            ranks[order] = np.repeat(avg, counts)
            out[r] = (ranks[: pos.size].sum() - pos.size * (pos.size + 1) / 2) / (pos.size * neg.size)
    return out


def _estimate(point: float, boot: np.ndarray) -> Estimate:
    if point is None or np.isnan(point):
        return Estimate()
    ok = boot[~np.isnan(boot)]
    if ok.size < 2:
        return Estimate(value=float(point))
    lo, hi = np.percentile(ok, [2.5, 97.5])
    return Estimate(value=float(point), lo=float(lo), hi=float(hi))


def figures(labels: Sequence[str], verdicts: Sequence[bool | None], scores: Sequence[float | None],
            n_boot: int = N_BOOT, seed: int = SEED) -> Figures:
    """Every agreement figure on these items (see the module docstring)."""
    counts = {k: sum(lab == k for lab in labels) for k in ("yes", "no", "unclear")}
    idx = [i for i, lab in enumerate(labels) if lab in ("yes", "no")]
    y = np.array([labels[i] == "yes" for i in idx], dtype=int)
    has_v = np.array([verdicts[i] is not None for i in idx], dtype=bool)
    v = np.array([bool(verdicts[i]) for i in idx], dtype=int)
    has_s = np.array([scores[i] is not None for i in idx], dtype=bool)
    s = np.array([scores[i] if scores[i] is not None else np.nan for i in idx], dtype=float)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(idx), size=(n_boot, len(idx))) if idx else np.zeros((n_boot, 0), dtype=int)
    point = _rates(y[None, :], v[None, :], has_v[None, :])
    boot = _rates(y[draws], v[draws], has_v[draws])
    est = {k: _estimate(float(point[k][0]), boot[k]) for k in point}
    ys, ss = y[has_s], s[has_s]
    auc_point = _auroc_rows(ys[None, :], ss[None, :])[0] if ys.size else np.nan
    if not np.isnan(auc_point):
        sd = rng.integers(0, ys.size, size=(n_boot, ys.size))
        est["auroc"] = _estimate(float(auc_point), _auroc_rows(ys[sd], ss[sd]))
    else:
        est["auroc"] = Estimate()
    return Figures(n=len(labels), counts=counts, judged=int(has_v.sum()), scored=int(has_s.sum()), **est)


def agreement(labels: Sequence[str], verdicts: Sequence[bool | None], scores: Sequence[float | None],
              subgroups: Sequence[str | Sequence[str] | None] | None = None, n_boot: int = N_BOOT,
              seed: int = SEED) -> Agreement:
    """Figures over all items and per subgroup; an item may belong to several subgroups (a list), or none."""
    out = Agreement(overall=figures(labels, verdicts, scores, n_boot, seed), n_boot=n_boot, seed=seed)
    member = [set() if g is None else {g} if isinstance(g, str) else set(g) for g in (subgroups or [])]
    for g in sorted(set().union(*member) if member else set()):
        keep = [i for i, m in enumerate(member) if g in m]
        out.subgroups[g] = figures([labels[i] for i in keep], [verdicts[i] for i in keep],
                                   [scores[i] for i in keep], n_boot, seed)
    return out


def stratified_sample(labels: Sequence[str], limit: int, seed: int = SEED) -> list[int]:
    """Indices of a seeded sample of `limit` items keeping each label's share (largest remainders), in order."""
    if limit >= len(labels):
        return list(range(len(labels)))
    by: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by.setdefault(lab, []).append(i)
    quota = {k: limit * len(v) / len(labels) for k, v in by.items()}
    take = {k: int(q) for k, q in quota.items()}
    for k in sorted(by, key=lambda k: (-(quota[k] - take[k]), k))[: limit - sum(take.values())]:
        take[k] += 1
    rng = np.random.default_rng(seed)
    keep: list[int] = []
    for k in sorted(by):
        keep.extend(int(i) for i in rng.choice(by[k], size=take[k], replace=False))
    return sorted(keep)
