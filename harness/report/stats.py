"""Pure statistics for reports: two-level bootstrap CIs (tasks, seeds nested) and paired sign-flip tests."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

N_BOOT = 2000
LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    """A mean with its bootstrap confidence interval over n observations (lo/hi are NaN when n == 0)."""

    mean: float
    lo: float
    hi: float
    n: int
    n_groups: int

    @property
    def excludes_zero(self) -> bool:
        return self.n > 0 and (self.lo > 0 or self.hi < 0)


def _grouped(values: Sequence[float], groups: Sequence[object] | None) -> tuple[np.ndarray, np.ndarray]:
    """Pad values into a (groups x max members) array; returns it and the member count of each group."""
    vals = np.asarray(values, dtype=float)
    if vals.ndim != 1:
        raise ValueError("values must be one-dimensional")
    if np.isnan(vals).any():
        raise ValueError("values contain NaN: drop not_applicable / error cells before calling")
    if groups is None:
        groups = list(range(len(vals)))
    if len(groups) != len(vals):
        raise ValueError("values and groups differ in length")
    order: dict[object, list[float]] = {}
    for g, v in zip(groups, vals):
        order.setdefault(g, []).append(float(v))
    counts = np.array([len(m) for m in order.values()], dtype=int)
    padded = np.zeros((len(order), int(counts.max()) if len(counts) else 0))
    for i, members in enumerate(order.values()):
        padded[i, : len(members)] = members
    return padded, counts


def bootstrap_mean_ci(values: Sequence[float], groups: Sequence[object] | None = None, *,
                      n_boot: int = N_BOOT, level: float = LEVEL,
                      rng: np.random.Generator | int | None = 0) -> Estimate:
    """Mean and percentile CI by a two-level bootstrap: resample groups (tasks), then members (seeds) within each.

    Each observation is one cell (task x seed); `groups` names the task of each value. With one value per
    group this is the ordinary bootstrap of the mean.
    """
    padded, counts = _grouped(values, groups)
    n = int(counts.sum())
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, 0)
    flat = np.asarray(values, dtype=float)
    if flat.min() == flat.max():  # a constant: the interval is exactly the value, without float noise
        v = float(flat[0])
        return Estimate(v, v, v, n, len(counts))
    mean = float(flat.mean())
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    n_groups, width = padded.shape
    pick = gen.integers(0, n_groups, size=(n_boot, n_groups))          # tasks drawn with replacement
    sizes = counts[pick]                                                 # seeds each drawn task has
    member = np.floor(gen.random((n_boot, n_groups, width)) * sizes[..., None]).astype(int)
    drawn = padded[pick[..., None], member]                              # seeds drawn within each task
    mask = np.arange(width)[None, None, :] < sizes[..., None]
    boot = (drawn * mask).sum(axis=(1, 2)) / mask.sum(axis=(1, 2))
    alpha = (1 - level) / 2
    lo, hi = np.quantile(boot, [alpha, 1 - alpha])
    # keep float noise from putting the interval outside the data's range or beside the mean
    lo = max(min(float(lo), mean), float(flat.min()))
    hi = min(max(float(hi), mean), float(flat.max()))
    return Estimate(mean, lo, hi, n, n_groups)


def paired_bootstrap_ci(baseline: Sequence[float], candidate: Sequence[float],
                        groups: Sequence[object] | None = None, *, n_boot: int = N_BOOT,
                        level: float = LEVEL, rng: np.random.Generator | int | None = 0) -> Estimate:
    """CI of the mean paired difference candidate - baseline, resampling pairs by task then seed."""
    b, c = np.asarray(baseline, dtype=float), np.asarray(candidate, dtype=float)
    if b.shape != c.shape:
        raise ValueError("baseline and candidate differ in length")
    return bootstrap_mean_ci(c - b, groups, n_boot=n_boot, level=level, rng=rng)


def sign_flip_pvalue(diffs: Sequence[float], *, n_perm: int = 10000, exact_max: int = 14,
                     rng: np.random.Generator | int | None = 0) -> float:
    """Two-sided paired permutation p-value: how often a random sign flip of the differences gives a mean
    at least as far from zero as the observed one. Exact for up to `exact_max` pairs, else Monte Carlo
    with the +1 correction (never returns 0)."""
    d = np.asarray(diffs, dtype=float)
    n = d.size
    if n == 0:
        return math.nan
    observed = abs(d.mean())
    if observed == 0.0 or not np.any(d):
        return 1.0
    tol = 1e-12 * max(1.0, float(np.abs(d).max()))
    if n <= exact_max:
        codes = np.arange(2**n)[:, None]
        signs = 1 - 2 * ((codes >> np.arange(n)[None, :]) & 1)
        means = np.abs(signs @ d) / n
        return float(np.mean(means >= observed - tol))
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    hits = 0
    done = 0
    while done < n_perm:  # chunks keep memory bounded for many pairs
        k = min(2000, n_perm - done)
        signs = gen.choice(np.array([-1.0, 1.0]), size=(k, n))
        hits += int(np.sum(np.abs(signs @ d) / n >= observed - tol))
        done += k
    return (hits + 1) / (n_perm + 1)


def holm_adjust(pvalues: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1); NaN stays NaN and is not counted.

    Reject hypothesis i at family-wise level alpha exactly when its adjusted p-value is below alpha."""
    p = [float(v) for v in pvalues]
    live = sorted((v, i) for i, v in enumerate(p) if not math.isnan(v))
    m = len(live)
    out = [math.nan] * len(p)
    running = 0.0
    for rank, (v, i) in enumerate(live):
        running = max(running, min(1.0, (m - rank) * v))
        out[i] = running
    return out
