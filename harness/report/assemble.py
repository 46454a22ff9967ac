"""Compute everything a report shows, once, for the Markdown, LaTeX and HTML writers to render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from harness.core.errors import HarnessError
from harness.report import costs as costs_mod
from harness.report.costs import cost_from_generations
from harness.report import leaderboard as lb
from harness.report import plots, significance, tables
from harness.report.failure_view import FailureSummary, failure_summary, failure_table
from harness.report.join import JoinedRuns
from harness.report.judge_trust import judge_table
from harness.report.metrics import COST_METRIC, OUTPUT_TOKENS_METRIC, QUALITY_METRICS, default_metrics, is_ranked
from harness.report.tables import Table
from harness.scorers.support_agreement import method_agreement, self_preferring, support_notes


@dataclass
class ReportParts:
    """The tables, figures and notes of one report, in the order the report opens with them."""

    title: str
    notes: list[str]
    failures: FailureSummary | None
    failure_table: Table | None
    leaderboard: Table
    main: Table
    matrices: list[Table]
    cost_tables: list[Table]
    per_task: Table
    manifest_tables: list[Table]
    figures: list[plots.Figure]
    plot_notes: list[str]
    summaries: list[tables.MetricSummary]
    generators: list[str]
    metrics: list[str]
    cells: dict[str, int]
    scores: pl.DataFrame
    generations: list[dict[str, Any]]
    legend: str = ""
    support_tables: list[Table] = field(default_factory=list)  # agreement between support methods, self-preference
    other_tables: list[Table] = field(default_factory=list)  # every scored metric the tables above leave out
    judge_table: Table | None = None  # each judged score's judge card line (harness.report.judge_trust)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def choose_metrics(available: list[str], requested: list[str] | None) -> list[str]:
    """--metrics (comma-separated or repeated) or the key metrics present; unknown names are an error."""
    names = [n.strip() for item in requested or [] for n in item.split(",") if n.strip()]
    metrics = list(dict.fromkeys(names)) or default_metrics(available)
    unknown = [m for m in metrics if m not in available]
    if unknown:
        raise HarnessError(f"metric {unknown[0]!r} is not in this run", field="--metrics",
                           hint="available: " + ", ".join(available))
    return metrics


def runs_table(joined: JoinedRuns) -> Table:
    """One row per joined run: id, folder, status, when, commit, its generators under their report names."""
    rows = []
    for run, names in zip(joined.runs, joined.names):
        m = run.manifest
        git = m.get("git") if isinstance(m.get("git"), dict) else {}
        tasks = run.scores["task_id"].n_unique()
        seeds = sorted(set(run.scores["seed"].to_list()))
        gens = ", ".join(v if k == v else f"{v} (was {k})" for k, v in names.items())
        rows.append([run.run_id, str(run.run_dir), str(m.get("status") or "–"),
                     str(m.get("created") or m.get("started") or "–"),
                     (str(git.get("commit"))[:12] + (" (dirty)" if git.get("dirty") else "")) if git.get("commit")
                     else "–", gens, str(tasks), ", ".join(map(str, seeds)),
                     str(run.scores["cell"].n_unique())])
    return Table(title="Runs", columns=["run", "directory", "status", "created", "git", "generators", "tasks",
                                        "seeds", "cells"], rows=rows, directions=[None] * 9,
                 notes=["Cells of different runs are matched by (task, seed)."], key="runs")


def _manifest_tables(joined: JoinedRuns, generators: list[str]) -> list[Table]:
    data = joined.data
    if len(joined.runs) == 1:
        return tables.manifest_tables(data.manifest, data.generations, generators)
    out = [tables.manifest_tables(data.manifest, data.generations, generators)[0], runs_table(joined)]
    for run in joined.runs:
        for t in tables.manifest_tables(run.manifest, run.generations)[1:]:
            out.append(Table(title=f"{t.title}: {run.run_id}", columns=t.columns, rows=t.rows,
                             directions=t.directions, notes=t.notes, key=f"{t.key}_{len(out)}"))
    return out


def _figures(scores: pl.DataFrame, available: list[str], metrics: list[str], generators: list[str],
             heatmap_metric: str | None, n_boot: int, seed: int) -> tuple[list[plots.Figure], list[str]]:
    quality = next((m for m in QUALITY_METRICS if m in available), None)
    figures: list[plots.Figure] = []
    reasons = []
    if quality and COST_METRIC in available:
        plot_summaries = tables.summarize(scores, [quality, COST_METRIC], generators, n_boot=n_boot, seed=seed)
        fig = plots.cost_quality_plot(plot_summaries, quality, COST_METRIC)
        figures += [fig] if fig else []
        if fig is None:
            reasons.append("no generator has both a cost and a quality value")
    else:
        reasons.append(f"cost vs quality needs {COST_METRIC} and one of {', '.join(QUALITY_METRICS)}")
    hm = heatmap_metric or quality or metrics[0]
    if hm not in available:
        raise HarnessError(f"metric {hm!r} is not in this run", field="--heatmap",
                           hint="available: " + ", ".join(available))
    means = tables.per_task_means(scores, hm)
    matrix = {(r["task_id"], r["generator"]): r["mean"] for r in means.iter_rows(named=True)}
    fig = plots.heatmap_plot(matrix, sorted(scores["task_id"].unique().to_list()), generators, hm)
    figures += [fig] if fig else []
    return figures, reasons


def _cost_tables(scores: pl.DataFrame, available: list[str], metrics: list[str], generators: list[str],
                 generations: list[dict[str, Any]], n_boot: int, seed: int,
                 manifest_judge_usd: float | None = None) -> list[Table]:
    extra = [m for m in (COST_METRIC, OUTPUT_TOKENS_METRIC) if m in available and m not in metrics]
    quality = next((m for m in QUALITY_METRICS if m in available), None)
    extra += [quality] if quality and quality not in metrics else []
    summaries = tables.summarize(scores, [*metrics, *extra], generators, n_boot=n_boot, seed=seed)
    costs = costs_mod.generator_costs(summaries, generations, generators, scores)
    out = [costs_mod.cost_table(costs, generators, manifest_judge_usd)]
    value = costs_mod.value_table(summaries, costs, generators, metrics)
    out += [value] if value else []
    front = costs_mod.pareto_table(summaries, costs, generators, quality) if quality else None
    out += [front] if front else []
    return out


def assemble(joined: JoinedRuns, metrics: list[str] | None = None, *, heatmap_metric: str | None = None,
             n_boot: int = 2000, seed: int = 0) -> ReportParts:
    """Every table and figure of the report of one or more joined runs."""
    data = joined.data
    scores = cost_from_generations(data.scores, data.generations)
    available = sorted(set(scores["score"].to_list()))
    if not available:
        raise HarnessError("the run has no scores to report", path=data.run_dir / "scores.parquet")
    metrics = choose_metrics(available, metrics)
    generators = tables.generator_order(scores, data.manifest)
    summaries = tables.summarize(scores, metrics, generators, n_boot=n_boot, seed=seed)
    cells = {g: int(scores.filter(pl.col("generator") == g)["cell"].n_unique()) for g in generators}

    ranked = [m for m in metrics if is_ranked(m)]
    tests = [significance.metric_tests(scores, summaries, m, generators, n_boot=n_boot, seed=seed) for m in ranked]
    legend = significance.legend(tests) if tests else ""
    best = {t.metric: t.best for t in tests}
    worse = {t.metric: t.worse for t in tests}
    boards = [b for m in ranked if (b := lb.metric_board(scores, summaries, m, generators, n_boot=n_boot,
                                                          seed=seed))]
    overall = lb.overall_board(scores, metrics, generators, n_boot=n_boot, seed=seed)
    order = [s.generator for s in overall.standings]
    failures = failure_summary(joined.failures, scores, metrics)
    figures, plot_notes = _figures(scores, available, metrics, generators, heatmap_metric, n_boot, seed)

    n_na = int((scores["status"] == "not_applicable").sum())
    n_err = int((scores["status"] == "error").sum())
    notes = [f"{_plural(scores['cell'].n_unique(), 'cell')}, {_plural(len(generators), 'generator')}, "
             f"{_plural(scores['task_id'].n_unique(), 'task')}"
             + (f" from {_plural(len(joined.runs), 'run')}" if len(joined.runs) > 1 else "")
             + f"; {n_na} not-applicable and {n_err} error scores excluded from means.", *joined.notes,
             *(f"MIXED TASK VERSIONS: task {c.get('task')} {tables.task_change_text(c)}" for r in joined.runs
               for c in r.manifest.get("task_changes") or [] if isinstance(c, dict))]
    support_rows = scores.filter(pl.col("score").str.starts_with("citations.support_rate")).to_dicts()
    title = f"Report: {data.run_id}" if len(joined.runs) == 1 else f"Report: {len(joined.runs)} runs"
    return ReportParts(
        title=title, notes=notes, failures=failures,
        failure_table=failure_table(failures) if failures else None,
        leaderboard=lb.leaderboard_table(overall, boards, worse, [legend] if legend else []),
        main=tables.main_table(summaries, order, metrics, cells, best, worse,
                               ([legend] if legend else []) + support_notes(support_rows)),
        matrices=[significance.matrix_table(t, [g for g in order if g in t.generators]) for t in tests],
        cost_tables=_cost_tables(scores, available, metrics, generators, data.generations, n_boot, seed,
                                 _manifest_judge_usd(joined)),
        per_task=tables.per_task_table(scores, metrics, generators),
        manifest_tables=_manifest_tables(joined, generators),
        figures=figures, plot_notes=plot_notes, summaries=summaries, generators=order, metrics=metrics,
        cells=cells, scores=scores, generations=data.generations, legend=legend,
        support_tables=support_tables(support_rows),
        other_tables=_other_tables(scores, available, metrics, generators, cells, n_boot, seed),
        judge_table=judge_table(scores, metrics, [r.manifest for r in joined.runs]),
    )


def _other_tables(scores: pl.DataFrame, available: list[str], metrics: list[str], generators: list[str],
                  cells: dict[str, int], n_boot: int, seed: int) -> list[Table]:
    """The table of every scored metric outside the chosen ones ([] when none is left out)."""
    rest = [m for m in available if m not in metrics]
    summaries = tables.summarize(scores, rest, generators, n_boot=n_boot, seed=seed) if rest else []
    table = tables.other_scores_table(summaries, generators, rest, cells)
    return [table] if table else []


def support_tables(rows: list[dict[str, Any]]) -> list[Table]:
    """Per-citation agreement (Cohen's kappa) between the run's support methods, and the generators judged by a
    judge of their own model family; [] when there is neither."""
    out = []
    agreements = method_agreement(rows)
    if agreements:
        out.append(Table(
            title="Citation support: agreement between methods",
            columns=["method A", "method B", "citations judged by both", "observed agreement", "Cohen's κ"],
            rows=[[a.method_a, a.method_b, str(a.n_pairs), "–" if a.observed is None else f"{a.observed:.3f}",
                   "–" if a.kappa is None else f"{a.kappa:.3f}"] for a in agreements],
            directions=[None, None, "none", "none", "none"], key="support-agreement"))
    flagged = self_preferring(rows)
    if flagged:
        out.append(Table(title="Citation support: self-preference", columns=["generator"],
                         rows=[[g] for g in flagged], key="support-self-preference",
                         notes=["The support judge is of the same model family as these generators; their "
                                "support scores may be inflated."]))
    return out


def _manifest_judge_usd(joined: JoinedRuns) -> float | None:
    """Judge spend the runs' manifests count (counters.judge_spend_usd), summed; None when none counts it."""
    vals = [(r.manifest.get("counters") or {}).get("judge_spend_usd") for r in joined.runs
            if isinstance(r.manifest.get("counters"), dict)]
    vals = [float(v) for v in vals if isinstance(v, (int, float))]
    return sum(vals) if vals else None
