"""End to end on the shipped suite: real runs of two offline baselines, the gate between them, and the report."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from harness.cli.app import app
from harness.compare import compare
from harness.config import ExperimentConfig, load_config
from harness.report import build_report
from harness.runner import run_experiment

from .test_report_chromium import CHROMIUM, _chromium

FAMILIES = ["coverage", "citations", "length", "cost"]
TASKS = load_config(None).tasks  # the default experiment's twelve tasks (the full suite has 22)


def _run(tmp_path_factory, generator: dict) -> str:
    out = tmp_path_factory.mktemp("runs")
    config = ExperimentConfig.from_dict({
        "name": f"e2e-{generator['name']}", "tasks": TASKS, "seeds": [0], "generators": [generator],
        "scorers": {"families": FAMILIES}, "output_dir": str(out), "cache_dir": str(out / "cache"),
    })
    summary = run_experiment(config, progress=False)
    assert summary.status == "complete" and summary.cells_done == len(TASKS) == 12
    return summary.run_dir


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = _run(tmp_path_factory, {"name": "extractive", "kind": "extractive", "k": 20})
    cand = _run(tmp_path_factory, {"name": "recent-papers", "kind": "recent_papers", "k": 20})
    return base, cand


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_switching_to_recent_papers_is_flagged_as_a_relevance_regression(runs):
    base, cand = runs
    result = compare(base, cand, gates={"citations.on_topic_rate": 0.05}, pairs={"extractive": "recent-papers"})
    assert not result.passed
    row = next(r for r in result.rows if r.metric == "citations.on_topic_rate")
    assert row.n_pairs == len(TASKS) and row.delta < -0.05 and row.p_value < 0.05 and row.ci_hi < 0
    assert [r.metric for r in result.regressions] == ["citations.on_topic_rate"] and row.regressed

    out = CliRunner().invoke(app, ["compare", base, cand, "--pair", "extractive=recent-papers",
                                   "--metric", "citations.on_topic_rate", "--max-drop", "0.05"])
    assert out.exit_code == 1 and "citations.on_topic_rate" in out.output


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_run_compared_with_itself_passes_with_zero_deltas(runs):
    base, _ = runs
    out = CliRunner().invoke(app, ["compare", base, base, "--metric", "citations.on_topic_rate",
                                   "--metric", "coverage.recall", "--json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert payload["passed"] and payload["rows"]
    assert all(r["delta"] == 0 for r in payload["rows"] if r["delta"] is not None)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_report_of_a_real_run_shows_the_cost_quality_plot_in_chromium(runs, tmp_path):
    base, _ = runs
    written = build_report(base, formats="md,html", n_boot=300)
    md = written["md"].read_text()
    assert "| extractive |" in md and "citations.on_topic_rate" in md
    html = written["html"].read_text()
    assert "Cost vs quality" in html and "data:image/png;base64," in html
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (CI: apt-get install -y chromium)")
    dom, console = _chromium(tmp_path, written["html"], "--dump-dom")
    assert console == []
    assert "Cost vs quality" in dom and '<table id="main-table">' in dom
