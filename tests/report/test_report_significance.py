"""Pairwise tests: the gate's own paired statistics, Holm–Bonferroni within a metric, marks and legend."""

from __future__ import annotations

import pytest

from harness.compare import compare
from harness.report.load import load_run
from harness.report.significance import matrix_table, metric_tests
from harness.report.stats import holm_adjust
from harness.report.tables import summarize, to_latex, to_markdown


def test_holm_adjustment_matches_a_hand_computation():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> kept monotone at 0.06
    assert holm_adjust([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm_adjust([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    out = holm_adjust([float("nan"), 0.02])
    assert out[1] == pytest.approx(0.02) and out[0] != out[0]  # NaN is not a test: m = 1


def test_pair_statistics_are_those_of_harness_compare(make_run):
    run = make_run()
    scores = load_run(run).scores
    summaries = summarize(scores, ["coverage.recall"], ["extractive", "gpt-pw"], n_boot=500)
    mt = metric_tests(scores, summaries, "coverage.recall", ["extractive", "gpt-pw"], n_boot=500)
    gate = compare(run, run, pairs={"extractive": "gpt-pw"}, metrics=["coverage.recall"], n_boot=500)
    row = gate.rows[0]  # candidate gpt-pw - baseline extractive, over the same (task, seed) cells
    t = mt.tests[("gpt-pw", "extractive")]
    assert (t.delta, t.lo, t.hi, t.p) == pytest.approx((row.delta, row.ci_lo, row.ci_hi, row.p_value))
    assert t.n_pairs == 12 and t.n_tasks == 6
    assert mt.tests[("extractive", "gpt-pw")].delta == pytest.approx(-row.delta)
    assert t.p_adj == t.p  # one pair: Holm leaves it alone


def test_the_worse_generator_is_marked_and_the_matrix_states_its_test(make_run):
    scores = load_run(make_run()).scores
    gens = ["extractive", "gpt-pw"]
    summaries = summarize(scores, ["coverage.recall"], gens, n_boot=300)
    mt = metric_tests(scores, summaries, "coverage.recall", gens, n_boot=300)
    # conftest profiles: gpt-pw 0.45 vs extractive 0.30 on every task; 6 tasks -> exact p = 2/2^6
    assert mt.best == {"gpt-pw"} and mt.worse == {"extractive"}
    assert mt.tests[("gpt-pw", "extractive")].p == pytest.approx(2 / 64)
    table = matrix_table(mt, ["gpt-pw", "extractive"])
    md, tex = to_markdown(table), to_latex(table)
    assert "\\*" in md and "Holm–Bonferroni" in md and "6 tasks" in md
    assert r"\scriptsize" in tex and "p=0.031" in tex


def test_more_generators_need_more_evidence_after_correction(make_run):
    gens = [{"name": n, "kind": "extractive"} for n in ("extractive", "gpt-pw", "third", "fourth")]
    scores = load_run(make_run(generators=gens)).scores
    summaries = summarize(scores, ["coverage.recall"], [g["name"] for g in gens], n_boot=200)
    mt = metric_tests(scores, summaries, "coverage.recall", [g["name"] for g in gens], n_boot=200)
    t = mt.tests[("gpt-pw", "extractive")]
    # 6 pairs: the smallest raw p (2/64) is multiplied by 6 at least, so nothing reaches 0.05 on 6 tasks
    assert t.p == pytest.approx(2 / 64) and t.p_adj >= 6 * 2 / 64 - 1e-12 and not t.significant
    assert mt.worse == set()
