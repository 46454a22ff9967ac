"""The leaderboard and means of the runs, or of a filtered part of them, computed by the report's own functions
(HELM mean win rate, bootstrap CIs, Holm-adjusted pairwise tests), and the judge behind each judged metric."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from harness.report import leaderboard as lb
from harness.report import significance, tables
from harness.report.assemble import choose_metrics
from harness.report.metrics import is_ranked
from harness.report.stats import N_BOOT
from harness.report.tables import Table

JUDGED_PREFIXES = ("citations.on_topic_rate", "citations.off_topic", "citations.support_", "judge.")


@dataclass(frozen=True)
class Filters:
    """What the leaderboard is restricted to (empty: everything)."""

    tasks: tuple[str, ...] = ()
    generators: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()


@dataclass
class Rankings:
    """The report's leaderboard and means tables for one filter, and the generators in leaderboard order."""

    leaderboard: Table
    main: Table
    order: list[str]
    metrics: list[str]
    cells: int
    pending: bool = False  # the pairwise tests (significance marks) are still being computed


def filtered(scores: pl.DataFrame, f: Filters) -> pl.DataFrame:
    """The score rows of the chosen tasks and generators."""
    if f.tasks:
        scores = scores.filter(pl.col("task_id").is_in(list(f.tasks)))
    if f.generators:
        scores = scores.filter(pl.col("generator").is_in(list(f.generators)))
    return scores


def rankings(scores: pl.DataFrame, manifest: dict, f: Filters, *, n_boot: int = N_BOOT, seed: int = 0,
             tests: bool = True) -> Rankings:
    """Leaderboard and means exactly as `harness report` computes them, over the filtered rows; tests=False leaves
    out the pairwise tests (the slow part: no † marks yet, bold still marks the best mean)."""
    sub = filtered(scores, f)
    available = sorted(set(sub["score"].to_list()))
    metrics = choose_metrics(available, [m for m in f.metrics if m in available]) if available else []
    generators = tables.generator_order(sub, manifest)
    summaries = tables.summarize(sub, metrics, generators, n_boot=n_boot, seed=seed)
    cells = {g: int(sub.filter(pl.col("generator") == g)["cell"].n_unique()) for g in generators}
    ranked = [m for m in metrics if is_ranked(m)]
    done = [significance.metric_tests(sub, summaries, m, generators, n_boot=n_boot, seed=seed)
            for m in ranked] if tests else []
    legend = [significance.legend(done)] if done else []
    best = {t.metric: t.best for t in done} if tests else {
        m: significance.best_generators(summaries, m, generators) for m in ranked}
    worse = {t.metric: t.worse for t in done}
    boards = [b for m in ranked if (b := lb.metric_board(sub, summaries, m, generators, n_boot=n_boot, seed=seed))]
    overall = lb.overall_board(sub, metrics, generators, n_boot=n_boot, seed=seed)
    order = [s.generator for s in overall.standings]
    return Rankings(leaderboard=lb.leaderboard_table(overall, boards, worse, legend),
                    main=tables.main_table(summaries, order, metrics, cells, best, worse, legend),
                    order=order, metrics=metrics, cells=int(sub["cell"].n_unique()), pending=not tests)


def judge_lines(scores: pl.DataFrame, metrics: list[str]) -> dict[str, list[str]]:
    """metric -> one line per judge (method, model, what it measures) recorded in the metric's score details."""
    judged = [m for m in metrics if m.startswith(JUDGED_PREFIXES)]
    if not judged:
        return {}
    sub = scores.filter(pl.col("score").is_in(judged) & (pl.col("status") == "ok"))
    ident = sub.select(
        "score",
        pl.col("details").str.json_path_match("$.method").alias("method"),
        pl.col("details").str.json_path_match("$.model").alias("model"),
        pl.col("details").str.json_path_match("$.measures").alias("measures"),
    ).unique(maintain_order=True)
    out: dict[str, list[str]] = {}
    for r in ident.iter_rows(named=True):
        if not r["method"]:
            continue
        text = f"judge: {r['method']}" + (f" ({r['model']})" if r["model"] else "")
        out.setdefault(r["score"], []).append(text + (f" — {r['measures']}" if r["measures"] else ""))
    return out
