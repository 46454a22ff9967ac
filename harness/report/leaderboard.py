"""Leaderboard: generators ranked on each key metric and overall by HELM's mean win rate over tasks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl

from harness.report.metrics import direction, in_win_rate, is_ranked
from harness.report.stats import N_BOOT, Estimate, bootstrap_mean_ci
from harness.report.tables import SIG_MARK, Cell, MetricSummary, Table, fmt, per_task_means

TIE_TOL = 1e-12


@dataclass
class Standing:
    """One generator on one board: its rank (None: no values to rank), the value ranked, its win rate."""

    generator: str
    rank: int | None
    value: Estimate | None
    win_rate: Estimate | None
    n_tasks: int = 0  # tasks on which it met at least one opponent
    n_na: int = 0
    n_error: int = 0


@dataclass
class Board:
    """Generators ranked on one metric ("overall": by mean win rate), ranked ones first in rank order."""

    metric: str
    direction: str
    standings: list[Standing]
    metrics: list[str] = field(default_factory=list)  # the metrics an overall board averages over

    def rank_of(self, generator: str) -> int | None:
        return next((s.rank for s in self.standings if s.generator == generator), None)


def task_means(scores: pl.DataFrame, metric: str) -> dict[str, dict[str, float]]:
    """generator -> task -> mean over the task's ok seeds (tasks without an ok value are absent)."""
    out: dict[str, dict[str, float]] = {}
    for r in per_task_means(scores, metric).iter_rows(named=True):
        if r["n_ok"] and r["mean"] is not None and not math.isnan(r["mean"]):
            out.setdefault(r["generator"], {})[r["task_id"]] = float(r["mean"])
    return out


def win_shares(means: dict[str, dict[str, float]], generators: list[str], higher: bool) -> dict[str, dict[str, float]]:
    """generator -> task -> share of that task's head-to-head comparisons it wins, ties counting half.

    Only generators with a value on the task take part (HELM's win rate over the models that have the column)."""
    out: dict[str, dict[str, float]] = {}
    tasks = sorted({t for g in generators for t in means.get(g, {})})
    for task in tasks:
        present = [g for g in generators if task in means.get(g, {})]
        if len(present) < 2:
            continue
        for g in present:
            mine, points = means[g][task], 0.0
            for other in present:
                if other == g:
                    continue
                theirs = means[other][task]
                if abs(mine - theirs) <= TIE_TOL * max(1.0, abs(mine), abs(theirs)):
                    points += 0.5
                elif (mine > theirs) == higher:
                    points += 1.0
            out.setdefault(g, {})[task] = points / (len(present) - 1)
    return out


def _ranks(values: dict[str, float], higher: bool) -> dict[str, int]:
    """Competition ranks (1, 1, 3): equal values share a rank."""
    order = sorted(values, key=lambda g: -values[g] if higher else values[g])
    ranks: dict[str, int] = {}
    for i, g in enumerate(order):
        prev = order[i - 1] if i else None
        tied = prev is not None and abs(values[g] - values[prev]) <= TIE_TOL * max(1.0, abs(values[g]))
        ranks[g] = ranks[prev] if tied and prev is not None else i + 1
    return ranks


def _estimate(per_task: dict[str, float], n_boot: int, seed: int) -> Estimate:
    tasks = sorted(per_task)
    return bootstrap_mean_ci([per_task[t] for t in tasks], tasks, n_boot=n_boot, rng=seed)


def metric_board(scores: pl.DataFrame, summaries: list[MetricSummary], metric: str, generators: list[str], *,
                 n_boot: int = N_BOOT, seed: int = 0) -> Board | None:
    """Generators ranked on one metric by their mean (direction from the metric's declaration); None if unranked."""
    if not is_ranked(metric):
        return None
    higher = direction(metric) == "higher"
    idx = {s.generator: s for s in summaries if s.metric == metric}
    shares = win_shares(task_means(scores, metric), generators, higher)
    ranked = {g: idx[g].estimate.mean for g in generators if g in idx and idx[g].n}
    ranks = _ranks(ranked, higher)
    standings = []
    for g in generators:
        s = idx.get(g)
        standings.append(Standing(
            generator=g, rank=ranks.get(g), value=s.estimate if s and s.n else None,
            win_rate=_estimate(shares[g], n_boot, seed) if g in shares else None,
            n_tasks=len(shares.get(g, {})), n_na=s.n_na if s else 0, n_error=s.n_error if s else 0))
    return Board(metric, direction(metric), _sorted(standings), [metric])


def overall_board(scores: pl.DataFrame, metrics: list[str], generators: list[str], *, n_boot: int = N_BOOT,
                  seed: int = 0) -> Board:
    """Mean win rate over tasks: per task, a generator's win share averaged over the ranked quality metrics it
    has there; then the mean over tasks, with a bootstrap CI over tasks. Cost metrics, and plain counts whose
    substantive version is among the metrics (`metrics.SUPERSEDED`), are left out."""
    used = [m for m in metrics if in_win_rate(m, metrics)]
    per_task: dict[str, dict[str, list[float]]] = {}
    contributed = []
    for m in used:
        shares = win_shares(task_means(scores, m), generators, direction(m) == "higher")
        contributed += [m] if shares else []
        for g, by_task in shares.items():
            for t, share in by_task.items():
                per_task.setdefault(g, {}).setdefault(t, []).append(share)
    rates = {g: {t: sum(v) / len(v) for t, v in by_task.items()} for g, by_task in per_task.items()}
    estimates = {g: _estimate(r, n_boot, seed) for g, r in rates.items()}
    ranks = _ranks({g: e.mean for g, e in estimates.items()}, True)
    standings = [Standing(generator=g, rank=ranks.get(g), value=estimates.get(g), win_rate=estimates.get(g),
                          n_tasks=len(rates.get(g, {}))) for g in generators]
    return Board("overall", "higher", _sorted(standings), contributed)


def _sorted(standings: list[Standing]) -> list[Standing]:
    """Ranked generators in rank order (stable), then those without a rank in their given order."""
    return sorted(standings, key=lambda s: (s.rank is None, s.rank or 0))


def leaderboard_table(overall: Board, boards: list[Board], worse: dict[str, set[str]],
                      legend: list[str] | None = None) -> Table:
    """Overall rank by mean win rate [CI], then each key metric's rank (bold: first; mark: significantly worse)."""
    by_metric = {b.metric: {s.generator: s for s in b.standings} for b in boards}
    rows = []
    top = next((s.rank for s in overall.standings if s.rank is not None), None)
    for s in overall.standings:
        e = s.win_rate
        row: list[str] = [str(s.rank) if s.rank is not None else "–", s.generator,
                          Cell(fmt(e.mean), f"{fmt(e.lo)}, {fmt(e.hi)}", best=s.rank == top and top is not None)
                          if e and e.n else Cell("–", extra="no task with an opponent"), str(s.n_tasks)]
        for b in boards:
            st = by_metric[b.metric][s.generator]
            counts = "; ".join(([f"{st.n_na} n/a"] if st.n_na else []) + ([f"{st.n_error} err"] if st.n_error
                                                                          else []))
            row.append(Cell(str(st.rank) if st.rank is not None else "–", extra=counts, best=st.rank == 1,
                            mark=SIG_MARK if s.generator in worse.get(b.metric, set()) else ""))
        rows.append(row)
    arrows = {"higher": "↑", "lower": "↓"}
    return Table(
        title="Leaderboard",
        columns=["rank", "generator", "mean win rate [95% CI]", "tasks",
                 *[f"{b.metric} {arrows.get(b.direction, '')}".strip() for b in boards]],
        rows=rows,
        directions=[None, None, "up", "none", *["none"] * len(boards)],
        notes=["Mean win rate (HELM): on each task, the share of head-to-head comparisons with the other generators "
               "a generator wins on a metric (ties count half; only generators with a value on the task take part), "
               f"averaged over the ranked quality metrics ({', '.join(overall.metrics) or 'none'}) and then over "
               "tasks; 95% bootstrap CI over tasks. Cost metrics are ranked but not averaged in.",
               "Metric columns: the generator's rank by mean (1 = best; – = no value to rank, n/a and err cells "
               "counted, never ranked as 0). Metrics that declare no direction are not ranked.", *(legend or [])],
        key="leaderboard",
        row_head=1,
    )
