"""Pairwise significance per metric: paired differences over matched (task, seed) cells, the gate's paired
bootstrap CI and task-level sign-flip p-value (harness.report.paired), Holm–Bonferroni within each metric."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import polars as pl

from harness.report.metrics import direction, is_ranked
from harness.report.paired import pair_statistics
from harness.report.stats import N_BOOT, holm_adjust
from harness.report.tables import SIG_MARK, Cell, MetricSummary, Table, fmt

ALPHA = 0.05


@dataclass(frozen=True)
class PairTest:
    """Row generator a minus column generator b on one metric, over the cells both scored."""

    a: str
    b: str
    n_pairs: int
    n_tasks: int
    delta: float | None
    lo: float | None
    hi: float | None
    p: float | None
    p_adj: float | None = None

    @property
    def significant(self) -> bool:
        return self.p_adj is not None and not math.isnan(self.p_adj) and self.p_adj < ALPHA

    def flipped(self) -> "PairTest":
        """The same test seen from b's side (b - a)."""
        neg = (lambda v: -v if v is not None else None)
        return PairTest(self.b, self.a, self.n_pairs, self.n_tasks, neg(self.delta), neg(self.hi), neg(self.lo),
                        self.p, self.p_adj)


@dataclass
class MetricTests:
    """Every generator pair on one metric, the best generator(s) and those significantly worse than the best."""

    metric: str
    generators: list[str]
    tests: dict[tuple[str, str], PairTest]
    best: set[str] = field(default_factory=set)
    worse: set[str] = field(default_factory=set)

    @property
    def n_tests(self) -> int:
        return sum(1 for (a, b), t in self.tests.items() if a < b and t.p is not None and not math.isnan(t.p))

    def n_range(self, attr: str) -> tuple[int, int]:
        vals = [getattr(t, attr) for t in self.tests.values() if t.n_pairs]
        return (min(vals), max(vals)) if vals else (0, 0)


def _ok_values(rows: pl.DataFrame, generators: list[str]) -> tuple[list[str], dict[str, np.ndarray]]:
    """One metric's (task, seed) cells sorted, as paired_delta sorts them: their task ids, and each generator's
    value there (NaN where it has none scored ok)."""
    ok = rows.filter((pl.col("status") == "ok") & pl.col("value").is_not_null() & pl.col("generator").is_in(generators))
    cells = ok.select("task_id", "seed").unique().sort("task_id", "seed")
    values = {}
    for g in generators:
        mine = ok.filter(pl.col("generator") == g).select("task_id", "seed", "value")
        values[g] = cells.join(mine, on=["task_id", "seed"], how="left", maintain_order="left")["value"].to_numpy(
            allow_copy=True).astype(float)
    return cells["task_id"].to_list(), values


def _pair(tasks: list[str], va: np.ndarray, vb: np.ndarray, a: str, b: str, n_boot: int, seed: int) -> PairTest:
    """a - b over the cells both scored ok: harness compare's statistics for candidate a against baseline b."""
    both = ~(np.isnan(va) | np.isnan(vb))
    kept = [t for t, k in zip(tasks, both) if k]
    if not kept:
        return PairTest(a, b, 0, 0, None, None, None, None)
    est, p = pair_statistics(vb[both], va[both], kept, n_boot, seed)
    return PairTest(a, b, len(kept), len(set(kept)), est.mean, est.lo, est.hi, p)


def best_generators(summaries: list[MetricSummary], metric: str, generators: list[str]) -> set[str]:
    """The generator(s) with the best mean on a ranked metric (ties all best); empty with fewer than two values."""
    if not is_ranked(metric):
        return set()
    means = {s.generator: s.estimate.mean for s in summaries if s.metric == metric and s.n and s.generator in
             generators}
    if len(means) < 2:
        return set()
    top = max(means.values()) if direction(metric) == "higher" else min(means.values())
    return {g for g, v in means.items() if abs(v - top) <= 1e-12 * max(1.0, abs(top))}


def metric_tests(scores: pl.DataFrame, summaries: list[MetricSummary], metric: str, generators: list[str], *,
                 n_boot: int = N_BOOT, seed: int = 0) -> MetricTests:
    """All pairs of one metric; p-values Holm-adjusted over this metric's pairs; who is worse than the best."""
    tasks, values = _ok_values(scores.filter(pl.col("score") == metric), generators)
    raw = [_pair(tasks, values[a], values[b], a, b, n_boot, seed) for a, b in combinations(generators, 2)]
    adjusted = holm_adjust([t.p if t.p is not None else math.nan for t in raw])
    tests: dict[tuple[str, str], PairTest] = {}
    for t, p_adj in zip(raw, adjusted):
        t = PairTest(t.a, t.b, t.n_pairs, t.n_tasks, t.delta, t.lo, t.hi, t.p,
                     None if math.isnan(p_adj) else p_adj)
        tests[(t.a, t.b)], tests[(t.b, t.a)] = t, t.flipped()
    out = MetricTests(metric, list(generators), tests, best=best_generators(summaries, metric, generators))
    higher = direction(metric) == "higher"
    for g in generators:
        if g in out.best:
            continue
        for b in out.best:
            t = tests.get((g, b))  # g - best
            if t and t.significant and t.delta is not None and ((t.delta < 0) if higher else (t.delta > 0)):
                out.worse.add(g)
    return out


def legend(tests: list[MetricTests]) -> str:
    """The legend of marks: test, correction and n."""
    n_tasks = sorted({v for m in tests for v in m.n_range("n_tasks") if v})
    n_cells = sorted({v for m in tests for v in m.n_range("n_pairs") if v})
    pairs = sorted({m.n_tests for m in tests if m.n_tests})
    return (f"Bold: best mean per column. {SIG_MARK}: significantly worse than the best at α = {ALPHA}: two-sided "
            "paired sign-flip permutation test over tasks (seeds averaged within a task), p-values adjusted with "
            f"Holm–Bonferroni over the {_span(pairs)} generator pair(s) of each metric; n = {_span(n_tasks)} tasks, "
            f"{_span(n_cells)} matched (task, seed) cells per pair.")


def _span(values: list[int]) -> str:
    """'12', '10–12', or '–' for no values."""
    if not values:
        return "–"
    return str(values[0]) if values[0] == values[-1] else f"{values[0]}–{values[-1]}"


def matrix_table(mt: MetricTests, order: list[str]) -> Table:
    """One row per generator pair (each pair once, in `order`): mean difference A − B [95% paired bootstrap CI]
    and the Holm-adjusted p-value; the test itself is described once, in the legend."""
    rows = []
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            t = mt.tests.get((a, b))
            if t is None:
                continue
            cell = (Cell("–", extra="no matched cells") if not t.n_pairs else
                    Cell(fmt(t.delta), f"{fmt(t.lo)}, {fmt(t.hi)}", f"p={_p(t.p_adj)}",
                         mark="*" if t.significant else ""))
            rows.append([f"{a} − {b}", cell])
    tasks = _span(sorted(set(mt.n_range("n_tasks")) - {0}))
    arrow = {"higher": "higher is better", "lower": "lower is better"}.get(direction(mt.metric), "no direction")
    return Table(
        title=f"Pairwise differences: {mt.metric} ({arrow})",
        columns=["A − B", "mean difference [95% CI] (p)"],
        rows=rows,
        directions=[None, "none"],
        notes=[f"{tasks} tasks; p Holm–Bonferroni-adjusted over the {mt.n_tests} pair(s) of this metric; "
               f"* adjusted p < {ALPHA}."],
        key=f"pairs_{mt.metric.replace('.', '_')}",
    )


PAIRWISE_NOTE = ("Each pair once: the mean of A − B over matched (task, seed) cells [95% paired bootstrap CI, tasks "
                 "resampled]; p = two-sided sign-flip permutation p-value over tasks (seeds averaged within a task), "
                 "Holm–Bonferroni-adjusted within each metric.")


def _p(p: float | None) -> str:
    if p is None or math.isnan(p):
        return "–"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


__all__ = ["ALPHA", "PAIRWISE_NOTE", "MetricTests", "PairTest", "best_generators", "legend", "matrix_table", "metric_tests"]
