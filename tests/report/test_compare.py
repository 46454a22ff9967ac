"""The regression gate: paired deltas, exit codes, unpaired cells, assert_no_regression."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.compare import compare, format_table
from harness.core.errors import HarnessError
from harness.testing import assert_no_regression

runner = CliRunner()


def test_identical_runs_have_zero_deltas_and_pass(make_run, tmp_path):
    base = make_run("base")
    same = tmp_path / "same"
    shutil.copytree(base, same)
    result = compare(base, same, gates={"citations.on_topic_rate": 0.0, "coverage.recall": 0.0}, n_boot=300)
    assert result.passed and result.rows and not result.unpaired
    for row in result.rows:
        if row.n_pairs:
            assert (row.delta, row.ci_lo, row.ci_hi, row.p_value) == (0.0, 0.0, 0.0, 1.0)
    out = runner.invoke(app, ["compare", str(base), str(same), "--metric", "citations.on_topic_rate",
                              "--max-drop", "0"])
    assert out.exit_code == 0, out.output
    assert "PASSED" in out.output


def test_a_relevance_drop_on_every_task_fails_the_gate(make_run):
    base = make_run("base")
    worse = make_run("worse", shift={"citations.on_topic_rate": -0.3}, data_seed=8)
    out = runner.invoke(app, ["compare", str(base), str(worse), "--metric", "citations.on_topic_rate",
                              "--max-drop", "0.05", "--metric", "coverage.recall", "--max-drop", "0.2"])
    assert out.exit_code == 1, out.output
    assert "FAILED: citations.on_topic_rate regressed" in out.output
    assert "REGRESSED" in out.output
    result = compare(base, worse, gates={"citations.on_topic_rate": 0.05, "coverage.recall": 0.2})
    bad = result.regressions
    assert {r.metric for r in bad} == {"citations.on_topic_rate"}
    assert all(r.p_value < 0.05 and r.ci_hi < 0 and r.delta < -0.2 for r in bad)
    assert len(bad) == 2  # both generators regressed


def test_a_drop_within_tolerance_passes(make_run):
    base = make_run("base")
    worse = make_run("worse", shift={"citations.on_topic_rate": -0.3}, data_seed=8)
    result = compare(base, worse, gates={"citations.on_topic_rate": 0.5})
    assert result.passed
    row = next(r for r in result.rows if r.metric == "citations.on_topic_rate")
    assert row.p_value < 0.05  # significant, yet tolerated


def test_lower_is_better_metrics_regress_when_they_rise(make_run):
    # extractive costs nothing; gating a switch to the paid generator on cost.usd must fail
    base = make_run("base")
    pricey = make_run("pricey", data_seed=9)
    result = compare(base, pricey, gates={"cost.usd": 0.001}, pairs={"extractive": "gpt-pw"})
    row = next(r for r in result.rows if r.metric == "cost.usd")
    assert not row.higher_is_better and row.delta > 0.003 and row.regressed
    assert "rose by" in row.reason
    assert compare(base, pricey, gates={"cost.usd": 0.01}, pairs={"extractive": "gpt-pw"}).passed


def test_unpaired_cells_are_listed(make_run):
    base = make_run("base", seeds=(0, 1))
    fewer = make_run("fewer", seeds=(0,), tasks=["rag-llm-survey", "stfm-since-2024"])
    result = compare(base, fewer, gates={"coverage.recall": 0.5})
    assert "baseline only: llm-evaluation-survey|extractive|0" in result.unpaired
    assert "baseline only: rag-llm-survey|gpt-pw|1" in result.unpaired
    row = next(r for r in result.rows if r.metric == "coverage.recall")
    assert row.n_pairs == 2
    assert "unpaired cells (" in format_table(result)


def test_not_applicable_pairs_are_excluded_and_counted(make_run):
    base = make_run("base")
    nas = make_run("nas", na={("rag-llm-survey", "gpt-pw"): {"citations.support_rate"}})
    result = compare(base, nas, gates={"citations.support_rate": 0.5})
    row = next(r for r in result.rows if r.metric == "citations.support_rate" and r.baseline_generator == "gpt-pw")
    assert row.n_pairs == 10 and row.n_excluded == 2
    # the baseline scored those two cells: a candidate that stops producing the metric must not pass by
    # shrinking the sample, so the gate counts them as lost and fails
    assert row.n_lost == 2 and row.regressed and not result.passed
    both_na = compare(nas, nas, gates={"citations.support_rate": 0.5})
    row = next(r for r in both_na.rows if r.metric == "citations.support_rate" and r.baseline_generator == "gpt-pw")
    assert row.n_excluded == 2 and row.n_lost == 0 and both_na.passed


def test_pairing_different_generator_names(make_run):
    one = [{"name": "extractive", "kind": "extractive"}]
    other = [{"name": "recent_papers", "kind": "recent_papers"}]
    base = make_run("base", generators=one)
    cand = make_run("cand", generators=other, shift={"citations.on_topic_rate": -0.4})
    auto = compare(base, cand, gates={"citations.on_topic_rate": 0.05})
    assert auto.pairs == [("extractive", "recent_papers")] and not auto.passed
    assert "paired the runs' only generators" in auto.notes[0]
    out = runner.invoke(app, ["compare", str(base), str(cand), "--pair", "extractive=recent_papers", "--json",
                              "--metric", "citations.on_topic_rate", "--max-drop", "0.05"])
    assert out.exit_code == 1
    payload = json.loads(out.output)
    assert payload["passed"] is False and payload["regressed_metrics"] == ["citations.on_topic_rate"]


def test_usage_errors_exit_2(make_run, tmp_path):
    base = make_run("base")
    out = runner.invoke(app, ["compare", str(base), str(base), "--metric", "no.such.metric", "--max-drop", "0.1"])
    assert out.exit_code == 2 and "no.such.metric" in out.output
    out = runner.invoke(app, ["compare", str(base), str(tmp_path / "missing")])
    assert out.exit_code == 2 and "run directory not found" in out.output
    out = runner.invoke(app, ["compare", str(base), str(base), "--pair", "nope=extractive"])
    assert out.exit_code == 2 and "not in the baseline run" in out.output
    out = runner.invoke(app, ["compare", str(base), str(base), "--max-drop", "0.1"])
    assert out.exit_code == 2
    out = runner.invoke(app, ["compare", str(base)])
    assert out.exit_code == 2  # typer's own usage error


def test_candidate_errors_on_a_gated_metric_fail_closed(make_run, tmp_path):
    import polars as pl

    base = make_run("base")
    broken = tmp_path / "broken"
    shutil.copytree(base, broken)
    df = pl.read_parquet(broken / "scores.parquet")
    hit = pl.col("score") == "coverage.recall"
    df = df.with_columns(pl.when(hit).then(pl.lit("error")).otherwise(pl.col("status")).alias("status"),
                         pl.when(hit).then(None).otherwise(pl.col("value")).alias("value"))
    df.write_parquet(broken / "scores.parquet")
    result = compare(base, broken, gates={"coverage.recall": 0.1})
    assert not result.passed
    assert "no paired values in the candidate" in result.regressions[0].reason


def test_assert_no_regression_raises_with_the_table(make_run):
    base = make_run("base")
    worse = make_run("worse", shift={"citations.on_topic_rate": -0.3}, data_seed=8)
    assert_no_regression(base, base, {"citations.on_topic_rate": 0.05})
    with pytest.raises(AssertionError) as exc:
        assert_no_regression(base, worse, {"citations.on_topic_rate": 0.05})
    assert "FAILED: citations.on_topic_rate" in str(exc.value) and "95% CI" in str(exc.value)
    with pytest.raises(HarnessError):
        assert_no_regression(base, worse, {"citations.on_topic_rate": -1})


def test_seeds_of_one_task_are_not_independent_evidence(make_run):
    # one task with eight seeds: a drop on it is one observation, so no permutation test can call it significant
    seeds = tuple(range(8))
    base = make_run("one-base", tasks=["rag-llm-survey"], seeds=seeds)
    worse = make_run("one-worse", tasks=["rag-llm-survey"], seeds=seeds, shift={"citations.on_topic_rate": -0.3},
                     data_seed=8)
    result = compare(base, worse, gates={"citations.on_topic_rate": 0.05})
    row = next(r for r in result.rows if r.metric == "citations.on_topic_rate")
    assert row.n_pairs == 8 and row.delta < -0.2 and row.p_value == 1.0
    assert result.passed and "not enough tasks" in row.reason  # one task of evidence: reported, not failed


def test_a_drop_over_two_tasks_is_underpowered_not_passed(make_run):
    # issue 14: on-topic 0.30 -> 0.00 over two tasks said `ok` and "PASSED"; 2 tasks cannot reach p < 0.05
    two = ["rag-llm-survey", "stfm-since-2024"]
    base = make_run("base", tasks=two)
    worse = make_run("worse", tasks=two, shift={"citations.on_topic_rate": -0.3}, data_seed=8)
    args = ["compare", str(base), str(worse), "--metric", "citations.on_topic_rate", "--max-drop", "0.05"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    assert "PASSED" not in out.output and "UNDERPOWERED: citations.on_topic_rate" in out.output
    row = next(ln for ln in out.output.splitlines() if ln.startswith("extractive->") or "on_topic_rate" in ln)
    assert row.rstrip().endswith("underpowered"), row
    assert any(ln.startswith("warning: the gate is underpowered") for ln in out.output.splitlines())
    strict = runner.invoke(app, args + ["--strict"])
    assert strict.exit_code == 1 and "FAILED (--strict): citations.on_topic_rate" in strict.output
    payload = json.loads(runner.invoke(app, args + ["--json", "--strict"]).stdout)
    assert payload["passed"] is False and payload["underpowered_metrics"] == ["citations.on_topic_rate"]
    result = compare(base, worse, gates={"citations.on_topic_rate": 0.05})
    assert all(r.underpowered and not r.regressed and r.n_tasks == 2 for r in result.underpowered)
    assert result.exit_code() == 0 and result.exit_code(strict=True) == 1
    with pytest.warns(UserWarning, match="underpowered"):
        assert_no_regression(base, worse, {"citations.on_topic_rate": 0.05})
    with pytest.raises(AssertionError, match="underpowered"):
        assert_no_regression(base, worse, {"citations.on_topic_rate": 0.05}, strict=True)


def test_six_tasks_decide_the_gate(make_run):
    base = make_run("base")  # six tasks: the smallest two-sided sign-flip p is 2 / 2**6 < 0.05
    same = compare(base, base, gates={"citations.on_topic_rate": 0.05})
    assert not same.underpowered and same.passed and same.exit_code(strict=True) == 0


def test_a_missing_max_drop_is_the_default_shown_in_the_output(make_run):
    base = make_run("base")
    out = runner.invoke(app, ["compare", str(base), str(base), "--metric", "coverage.recall"])
    assert out.exit_code == 0, out.output
    assert "max drop 0 (default)" in out.output
    assert "note: no --max-drop for coverage.recall: gated at the default max drop 0" in out.output
    # some but not all metrics with a tolerance: which one is meant is ambiguous, so it is a usage error
    out = runner.invoke(app, ["compare", str(base), str(base), "--metric", "coverage.recall", "--metric",
                              "citations.on_topic_rate", "--max-drop", "0.1"])
    assert out.exit_code == 2 and "2 --metric but 1 --max-drop" in out.output


def test_runs_sharing_no_cell_are_a_usage_error(make_run):
    base = make_run("base", tasks=["rag-llm-survey", "stfm-since-2024"])
    other = make_run("other", tasks=["llm-evaluation-survey", "multimodal-llm-survey"])
    out = runner.invoke(app, ["compare", str(base), str(other), "--metric", "coverage.recall", "--max-drop", "0.1"])
    assert out.exit_code == 2, out.output
    assert "share no (task, seed) cell" in out.output and "REGRESSED" not in out.output
    with pytest.raises(HarnessError, match="share no"):
        compare(base, other, gates={"coverage.recall": 0.1})


def test_a_metric_without_a_direction_is_reported_but_never_gated(make_run, monkeypatch):
    """Issue 16.3: a drop in length.target_ratio (best at 1) or an undeclared metric is no regression."""
    from report.conftest import PROFILES

    for gen in PROFILES.values():
        monkeypatch.setitem(gen, "length.target_ratio", 0.5)
        monkeypatch.setitem(gen, "mystery.score", 0.5)  # no registered family declares it
    base = make_run("base")
    for metric, why in (("length.target_ratio", "the length scorer family declares no direction for it"),
                        ("mystery.score", "no registered scorer family declares it")):
        with pytest.raises(HarnessError, match=f"cannot gate {metric}: {why}"):
            compare(base, base, gates={metric: 0.1})
        out = runner.invoke(app, ["compare", str(base), str(base), "--metric", metric, "--max-drop", "0.1"])
        assert out.exit_code == 2, out.output  # bad usage, never 1 (regressed)
        assert len(out.output.strip().splitlines()) == 1 and metric in out.output and why in out.output
    table = format_table(compare(base, base))  # reported without a gate, and without an arrow
    rows = [line.split() for line in table.splitlines() if " length.target_ratio " in f" {line} "]
    assert rows and all(r[r.index("length.target_ratio") + 1] == "–" for r in rows)  # the dir column
