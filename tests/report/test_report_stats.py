"""Bootstrap CIs and sign-flip p-values on cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.report.stats import bootstrap_mean_ci, paired_bootstrap_ci, sign_flip_pvalue


def test_ci_of_a_constant_is_zero_width():
    est = bootstrap_mean_ci([0.4] * 12, ["a", "a", "b", "b", "c", "c"] * 2)
    assert (est.mean, est.lo, est.hi) == (0.4, 0.4, 0.4)
    assert est.n == 12 and est.n_groups == 3


def test_ci_brackets_the_mean_and_narrows_with_more_tasks():
    rng = np.random.default_rng(1)
    small = rng.normal(0.5, 0.1, 8)
    large = rng.normal(0.5, 0.1, 400)
    e_small = bootstrap_mean_ci(small)
    e_large = bootstrap_mean_ci(large)
    assert e_small.lo < e_small.mean < e_small.hi
    assert (e_large.hi - e_large.lo) < (e_small.hi - e_small.lo)
    assert e_large.lo < 0.5 < e_large.hi


def test_two_level_bootstrap_accounts_for_between_task_spread():
    # tasks differ a lot, seeds within a task barely: resampling tasks must give a wide interval,
    # much wider than treating the 30 cells as independent would suggest within tasks
    tasks = [t for t in range(5) for _ in range(6)]
    values = [0.1 * t + 0.001 * s for t in range(5) for s in range(6)]
    nested = bootstrap_mean_ci(values, tasks)
    assert nested.hi - nested.lo > 0.1
    one_task = bootstrap_mean_ci([0.5 + 0.001 * s for s in range(6)], ["x"] * 6)
    assert one_task.hi - one_task.lo < 0.01  # only seed noise is left


def test_bootstrap_is_reproducible_with_a_seed():
    vals = [0.1, 0.5, 0.9, 0.3, 0.7]
    assert bootstrap_mean_ci(vals, rng=3) == bootstrap_mean_ci(vals, rng=3)
    assert bootstrap_mean_ci(vals, rng=np.random.default_rng(3)) == bootstrap_mean_ci(vals, rng=3)


def test_empty_and_nan_inputs():
    est = bootstrap_mean_ci([])
    assert est.n == 0 and math.isnan(est.mean)
    with pytest.raises(ValueError, match="NaN"):
        bootstrap_mean_ci([0.1, float("nan")])


def test_paired_ci_of_identical_runs_is_zero():
    base = [0.2, 0.4, 0.6, 0.8]
    est = paired_bootstrap_ci(base, base, ["a", "b", "c", "d"])
    assert (est.mean, est.lo, est.hi) == (0.0, 0.0, 0.0)
    assert not est.excludes_zero


def test_paired_ci_of_a_clear_drop_excludes_zero():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.6, 0.9, 16)
    cand = base - 0.3 + rng.normal(0, 0.02, 16)
    est = paired_bootstrap_ci(base, cand)
    assert est.hi < 0 and est.excludes_zero
    assert est.mean == pytest.approx(float(np.mean(cand - base)))


def test_sign_flip_pvalue_of_a_clear_shift_is_small():
    diffs = [-0.3, -0.25, -0.31, -0.28, -0.35, -0.27, -0.3, -0.26]
    # exact: only the all-negative and all-positive sign patterns reach the observed |mean|
    assert sign_flip_pvalue(diffs) == pytest.approx(2 / 2**8)
    assert sign_flip_pvalue(diffs * 5) < 0.05  # Monte Carlo path (40 pairs)


def test_sign_flip_pvalue_of_noise_is_large_and_of_zero_is_one():
    rng = np.random.default_rng(5)
    assert sign_flip_pvalue(rng.normal(0, 1, 30)) > 0.05
    assert sign_flip_pvalue([0.0] * 10) == 1.0
    assert math.isnan(sign_flip_pvalue([]))
