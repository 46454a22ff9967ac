"""One metric's paired comparison of two generators over (task, seed) cells: the delta, its bootstrap CI, the
task-level sign-flip p-value and, when gated, the verdict. Used by the report's pairwise tests and `harness compare`."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from pydantic import BaseModel, Field

from harness.report.metrics import higher_is_better
from harness.report.stats import Estimate, paired_bootstrap_ci, sign_flip_pvalue

__all__ = ["ALPHA", "DEFAULT_MAX_DROP", "MIN_TASKS", "MetricDelta", "fmt_num", "pair_statistics", "paired_delta"]

ALPHA = 0.05  # a gated drop counts only when its permutation p-value (over tasks) is below this, too
# The smallest two-sided sign-flip p-value over n tasks is 2 / 2**n, so fewer tasks than this can never show a
# significant drop: a gate over them is "underpowered" (it cannot decide), not passed.
MIN_TASKS = next(n for n in range(1, 64) if 2 / 2 ** n < ALPHA)
DEFAULT_MAX_DROP = 0.0  # a gated metric given no tolerance: any significant drop beyond 0 fails

class MetricDelta(BaseModel):
    """One metric for one generator pair: candidate - baseline over paired cells, and the gate's verdict."""

    baseline_generator: str
    candidate_generator: str
    metric: str
    higher_is_better: bool
    n_pairs: int
    n_excluded: int = Field(description="paired cells where either side is not_applicable or error")
    n_lost: int = Field(description="cells scored ok in the baseline with no value in the candidate")
    baseline_mean: float | None
    candidate_mean: float | None
    delta: float | None
    ci_lo: float | None
    ci_hi: float | None
    p_value: float | None
    max_drop: float | None = None
    max_drop_default: bool = Field(default=False, description="max_drop is DEFAULT_MAX_DROP: none was given")
    n_tasks: int = Field(default=0, description="tasks with at least one paired value")
    regressed: bool = False
    underpowered: bool = Field(default=False, description=f"gated over fewer than {MIN_TASKS} paired tasks: the "
                                                          "gate cannot detect a regression")
    reason: str = ""

    @property
    def gated(self) -> bool:
        return self.max_drop is not None

    @property
    def verdict(self) -> str:
        """REGRESSED, underpowered or ok for a gated metric; empty for a reported one."""
        if self.regressed:
            return "REGRESSED"
        if self.underpowered:
            return "underpowered"
        return "ok" if self.gated else ""


def pair_statistics(vb: np.ndarray, vc: np.ndarray, tasks: list[str], n_boot: int,
                    seed: int) -> tuple[Estimate, float]:
    """vc - vb over pairs sorted by (task, seed): the two-level bootstrap CI of the mean difference and the
    two-sided sign-flip p-value over the tasks' mean differences (seeds of one task are not independent)."""
    est = paired_bootstrap_ci(vb, vc, tasks, n_boot=n_boot, rng=seed)
    d = vc - vb
    starts = [i for i in range(len(tasks)) if i == 0 or tasks[i] != tasks[i - 1]] + [len(tasks)]
    per_task = [float(d[a:b].mean()) for a, b in zip(starts, starts[1:])]
    return est, sign_flip_pvalue(per_task, rng=seed)


def paired_delta(b: pl.DataFrame, c: pl.DataFrame, bg: str, cg: str, metric: str, max_drop: float | None,
                 n_boot: int, seed: int, defaulted: bool = False) -> MetricDelta:
    """Generator cg of scores c minus generator bg of scores b on one metric, over cells both scored ok; with
    max_drop, whether it regressed (a significant drop beyond max_drop, or cells the candidate lost)."""
    left = b.filter(pl.col("score") == metric).select("task_id", "seed", pl.col("value").alias("vb"),
                                                      pl.col("status").alias("sb"))
    right = c.filter(pl.col("score") == metric).select("task_id", "seed", pl.col("value").alias("vc"),
                                                       pl.col("status").alias("sc"))
    joined = left.join(right, on=["task_id", "seed"], how="inner").sort("task_id", "seed")
    both = joined.filter((pl.col("sb") == "ok") & (pl.col("sc") == "ok") & pl.col("vb").is_not_null()
                         & pl.col("vc").is_not_null())
    # cells the baseline scored that the candidate lost (error, not_applicable, or no cell at all) can hide a
    # regression by shrinking the sample, so a gate counts them
    lost = joined.filter((pl.col("sb") == "ok") & (pl.col("sc") != "ok")).height
    lost += left.filter(pl.col("sb") == "ok").join(right, on=["task_id", "seed"], how="anti").height
    up = higher_is_better(metric)
    row = dict(baseline_generator=bg, candidate_generator=cg, metric=metric, higher_is_better=up,
               n_pairs=both.height, n_excluded=joined.height - both.height, n_lost=lost, max_drop=max_drop,
               max_drop_default=defaulted and max_drop is not None, n_tasks=both["task_id"].n_unique(),
               baseline_mean=None, candidate_mean=None, delta=None, ci_lo=None, ci_hi=None, p_value=None)
    if both.height:
        vb, vc = both["vb"].to_numpy(), both["vc"].to_numpy()
        est, p = pair_statistics(vb, vc, both["task_id"].to_list(), n_boot, seed)
        row.update(baseline_mean=sum(vb.tolist()) / len(vb), candidate_mean=sum(vc.tolist()) / len(vc),
                   delta=est.mean, ci_lo=est.lo, ci_hi=est.hi, p_value=p)
    if max_drop is None:
        return MetricDelta(**row)
    reasons: list[str] = []
    notes: list[str] = []
    if both.height:
        drop = -row["delta"] if up else row["delta"]
        ci_bad = (row["ci_hi"] < 0) if up else (row["ci_lo"] > 0)
        word = "dropped" if up else "rose"
        if drop > max_drop and ci_bad and row["p_value"] >= ALPHA:
            n_tasks = both["task_id"].n_unique()
            notes.append(f"{metric} {word} by {fmt_num(abs(row['delta']))} but p={fmt_num(row['p_value'])} over "
                         f"{n_tasks} task(s) (the smallest possible two-sided p is {fmt_num(2 / 2 ** n_tasks)}): "
                         "not enough tasks to call it a regression")
        if drop > max_drop and ci_bad and row["p_value"] < ALPHA:
            reasons.append(f"{metric} {word} by {fmt_num(abs(row['delta']))} (tolerance {fmt_num(max_drop)}), "
                           f"95% CI [{fmt_num(row['ci_lo'])}, {fmt_num(row['ci_hi'])}] excludes 0, "
                           f"p={fmt_num(row['p_value'])}")
    elif left.filter(pl.col("sb") == "ok").height:
        reasons.append(f"{metric}: no paired values in the candidate although the baseline has some")
    if lost:
        reasons.append(f"{metric}: {lost} cell(s) scored in the baseline have no value in the candidate "
                       "(error, not_applicable or missing)")
    weak = not reasons and row["n_tasks"] < MIN_TASKS
    if weak:
        notes.insert(0, f"{metric}: underpowered, {row['n_tasks']} paired task(s) < {MIN_TASKS}: with so few tasks "
                        f"no drop can reach p < {ALPHA:g}, so this gate cannot detect a regression")
    row.update(regressed=bool(reasons), underpowered=weak, reason="; ".join(reasons + notes))
    return MetricDelta(**row)


def fmt_num(v: float | None) -> str:
    """A figure as the tables print it: 4 decimals, scientific below 0.001, "–" for none."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if v == 0:
        return "0"
    return f"{v:.4f}" if abs(v) >= 0.001 else f"{v:.2e}"
