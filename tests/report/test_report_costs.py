"""Cost-normalised quality, the Pareto front as a table, and judge cost kept apart from generation cost."""

from __future__ import annotations

import json

import pytest

from harness.report import build_report
from harness.report.costs import generator_costs, is_judge_stage, judge_cost, pareto_table, value_table
from harness.report.stats import Estimate
from harness.report.tables import MetricSummary


def _summary(gen: str, metric: str, mean: float, n: int = 4) -> MetricSummary:
    return MetricSummary(gen, metric, Estimate(mean, mean, mean, n, n), 0, 0)


def _gen(name: str, judge_usd: float | None = None) -> dict:
    calls = [{"stage": "write", "model": "m", "prompt_hash": "h", "cost_usd": 0.002, "output_tokens": 400}]
    if judge_usd is not None:
        calls.append({"stage": "judge", "model": "j", "prompt_hash": "k", "cost_usd": judge_usd,
                      "output_tokens": 5})
    return {"task_id": "t", "generator": name, "seed": 0, "calls": calls,
            "review": {"usage": {"cost_usd": 0.002, "output_tokens": 400,
                                 "stages": [{"name": "write", "cost_usd": 0.002, "output_tokens": 400}]}}}


def test_judge_stage_calls_are_counted_apart():
    assert is_judge_stage("judge") and is_judge_stage("judge.support") and not is_judge_stage("write")
    j = judge_cost(_gen("a", judge_usd=0.0005))
    assert (j.calls, j.usd, j.output_tokens, j.in_usage) == (1, 0.0005, 5, 0.0)
    assert judge_cost(_gen("a")).calls == 0 and judge_cost(_gen("a")).usd == 0.0


def test_judge_stages_inside_usage_are_taken_out_of_the_generation_cost():
    gen = _gen("a")
    gen["review"]["usage"]["stages"].append({"name": "judge", "cost_usd": 0.001, "output_tokens": 10})
    gen["review"]["usage"]["cost_usd"] = 0.003  # the scorer's cost.usd would then include the judge
    summaries = [_summary("a", "cost.usd", 0.003, 1), _summary("a", "cost.output_tokens", 410, 1)]
    c = generator_costs(summaries, [gen], ["a"])["a"]
    assert c.usd_per_cell == pytest.approx(0.002) and c.out_tokens_per_cell == pytest.approx(400)
    assert c.judge_usd == pytest.approx(0.001) and c.judge_calls == 1


def test_quality_per_dollar_and_per_1k_output_tokens():
    summaries = [_summary("a", "coverage.recall", 0.5), _summary("a", "cost.usd", 0.002),
                 _summary("a", "cost.output_tokens", 400), _summary("free", "coverage.recall", 0.2),
                 _summary("free", "cost.usd", 0.0), _summary("free", "cost.output_tokens", 0)]
    costs = generator_costs(summaries, [_gen("a"), _gen("free")], ["a", "free"])
    table = value_table(summaries, costs, ["a", "free"], ["coverage.recall", "cost.usd"])
    assert table.columns == ["generator", "coverage.recall per $", "coverage.recall per 1k out tok"]
    assert table.rows[0] == ["a", "250", "1.250"]  # 0.5 / $0.002; 0.5 / 0.4k tokens
    assert table.rows[1] == ["free", "free", "free"]


def test_the_pareto_front_table_names_who_dominates():
    summaries = [_summary("cheap", "coverage.recall", 0.3), _summary("cheap", "cost.usd", 0.0),
                 _summary("best", "coverage.recall", 0.6), _summary("best", "cost.usd", 0.01),
                 _summary("worse", "coverage.recall", 0.4), _summary("worse", "cost.usd", 0.02)]
    gens = ["cheap", "best", "worse"]
    costs = generator_costs(summaries, [_gen(g) for g in gens], gens)
    rows = {r[0]: r[3] for r in pareto_table(summaries, costs, gens, "coverage.recall").rows}
    assert rows["cheap"] == "yes" and rows["best"] == "yes"
    assert rows["worse"].startswith("no: best is")


def test_the_report_shows_judge_cost_apart(make_run):
    run = make_run()
    lines = (run / "generations.jsonl").read_text().splitlines()
    recs = [json.loads(line) for line in lines]
    for r in recs:
        if r["generator"] == "gpt-pw":
            r["calls"].append({"stage": "judge", "model": "openai/gpt-4o-mini", "prompt_hash": "x",
                               "cost_usd": 0.0001, "output_tokens": 3})
    (run / "generations.jsonl").write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    md = build_report(run, formats="md", n_boot=200)["md"].read_text()
    row = next(line for line in md.splitlines() if line.startswith("| gpt-pw | 0.00")
               and "judge" not in line and line.count("|") == 7)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[4] == "12" and cells[5] == "0.0012"  # 12 judge calls, 12 x $0.0001, not in generation cost
    assert "### Cost–quality Pareto front (coverage.recall)" in md and "### Quality per cost" in md


def test_judge_usage_recorded_by_a_scorer_counts_once_per_cell(make_run):
    import polars as pl

    from harness.report.costs import judge_from_scores
    from harness.report.load import load_run

    scores = load_run(make_run(tasks=["rag-llm-survey"], seeds=(0,))).scores
    usage = json.dumps({"judge_usage": {"calls": 4, "cost_usd": 0.0002, "output_tokens": 8}})
    scores = scores.with_columns(pl.when(pl.col("score").str.starts_with("citations.support"))
                                 .then(pl.lit(usage)).otherwise(pl.col("details")).alias("details"))
    got = judge_from_scores(scores)
    assert set(got) == {"extractive", "gpt-pw"}
    assert (got["gpt-pw"].calls, got["gpt-pw"].usd, got["gpt-pw"].output_tokens) == (4, 0.0002, 8)
