"""Leaderboard: HELM's mean win rate (ties half) over tasks, ranks by declared direction, n/a never ranked as 0."""

from __future__ import annotations

import polars as pl
import pytest

from harness.report.leaderboard import metric_board, overall_board, win_shares
from harness.report.tables import summarize


def _scores(rows: list[tuple[str, str, str, float | None, str]]) -> pl.DataFrame:
    """(task, generator, metric, value, status) -> the report's scores table (seed 0)."""
    return pl.DataFrame([{"cell": f"{t}|{g}|0", "task_id": t, "generator": g, "seed": 0, "score": m, "value": v,
                          "status": s, "explanation": "", "details": "{}"} for t, g, m, v, s in rows],
                        schema={"cell": pl.Utf8, "task_id": pl.Utf8, "generator": pl.Utf8, "seed": pl.Int64,
                                "score": pl.Utf8, "value": pl.Float64, "status": pl.Utf8, "explanation": pl.Utf8,
                                "details": pl.Utf8})


def test_win_share_counts_ties_as_half():
    # task t1: A 0.9, B 0.5, C 0.5 -> A beats both (1), B beats none and ties C (0.25), C likewise (0.25)
    means = {"A": {"t1": 0.9}, "B": {"t1": 0.5}, "C": {"t1": 0.5}}
    assert win_shares(means, ["A", "B", "C"], higher=True) == {"A": {"t1": 1.0}, "B": {"t1": 0.25},
                                                              "C": {"t1": 0.25}}
    assert win_shares(means, ["A", "B", "C"], higher=False)["A"] == {"t1": 0.0}  # lower is better flips it


def test_only_generators_with_a_value_on_a_task_meet_there():
    means = {"A": {"t1": 0.9, "t2": 0.1}, "B": {"t1": 0.5}}
    shares = win_shares(means, ["A", "B"], higher=True)
    assert shares == {"A": {"t1": 1.0}, "B": {"t1": 0.0}}  # t2 has one generator: no comparison, no share


def test_overall_mean_win_rate_averages_metrics_then_tasks_and_leaves_cost_out():
    rows = []
    for t in ("t1", "t2"):
        rows += [(t, "A", "coverage.recall", 0.8, "ok"), (t, "B", "coverage.recall", 0.2, "ok"),
                 (t, "A", "length.truncated", 1.0, "ok"), (t, "B", "length.truncated", 1.0, "ok"),
                 (t, "A", "cost.usd", 9.0, "ok"), (t, "B", "cost.usd", 0.0, "ok")]
    board = overall_board(_scores(rows), ["coverage.recall", "length.truncated", "cost.usd"], ["A", "B"],
                          n_boot=200)
    by = {s.generator: s for s in board.standings}
    # per task: A wins recall (1) and ties truncation (0.5) -> 0.75; B 0.25; cost is not averaged in
    assert by["A"].win_rate.mean == pytest.approx(0.75) and by["B"].win_rate.mean == pytest.approx(0.25)
    assert [s.generator for s in board.standings] == ["A", "B"] and by["A"].rank == 1
    assert board.metrics == ["coverage.recall", "length.truncated"]


def test_a_metric_board_ranks_by_direction_and_never_ranks_missing_values_as_zero():
    rows = [("t1", "A", "length.truncated", 0.0, "ok"), ("t1", "B", "length.truncated", 1.0, "ok"),
            ("t1", "C", "length.truncated", None, "not_applicable"), ("t2", "C", "length.truncated", None, "error")]
    scores = _scores(rows)
    summaries = summarize(scores, ["length.truncated"], ["A", "B", "C"], n_boot=200)
    board = metric_board(scores, summaries, "length.truncated", ["A", "B", "C"], n_boot=200)
    by = {s.generator: s for s in board.standings}
    assert by["A"].rank == 1 and by["B"].rank == 2  # lower is better: 0 beats 1
    assert by["C"].rank is None and by["C"].n_na == 1 and by["C"].n_error == 1  # counted, not ranked
    assert [s.generator for s in board.standings][-1] == "C"


def test_metrics_without_a_declared_direction_are_not_ranked():
    scores = _scores([("t1", "A", "length.words", 900.0, "ok"), ("t1", "B", "length.words", 100.0, "ok")])
    summaries = summarize(scores, ["length.words"], ["A", "B"], n_boot=200)
    assert metric_board(scores, summaries, "length.words", ["A", "B"]) is None
    assert overall_board(scores, ["length.words"], ["A", "B"]).metrics == []


def test_equal_means_share_a_rank():
    rows = [("t1", g, "coverage.recall", v, "ok") for g, v in (("A", 0.5), ("B", 0.5), ("C", 0.1))]
    scores = _scores(rows)
    board = metric_board(scores, summarize(scores, ["coverage.recall"], ["A", "B", "C"], n_boot=200),
                         "coverage.recall", ["A", "B", "C"])
    assert [(s.generator, s.rank) for s in board.standings] == [("A", 1), ("B", 1), ("C", 3)]
