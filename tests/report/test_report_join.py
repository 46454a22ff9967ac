"""Several runs in one report: matched by (task, seed), listed in the manifest summary, name clashes refused."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.core.errors import HarnessError
from harness.report import build_report
from harness.report.join import join_runs, parse_renames

runner = CliRunner()
GPT = {"name": "gpt-pw", "kind": "llm", "model": "openai/gpt-4o-mini", "strategy": "plan_then_write"}
EXTRACTIVE = {"name": "extractive", "kind": "extractive"}


def test_two_runs_of_one_model_each_join_into_one_leaderboard(make_run, tmp_path):
    a = make_run("run-jan", generators=[EXTRACTIVE])
    b = make_run("run-feb", generators=[GPT], data_seed=3)
    out = runner.invoke(app, ["report", str(a), str(b), "--format", "md", "--out", str(tmp_path / "r"),
                              "--n-boot", "200"])
    assert out.exit_code == 0, out.output
    md = (tmp_path / "r" / "report.md").read_text()
    board = md.split("## Leaderboard", 1)[1].split("\n## ", 1)[0]
    assert "| extractive |" in board and "| gpt-pw |" in board
    runs = md.split("### Runs", 1)[1].split("\n### ", 1)[0]
    assert "| run-jan |" in runs and "| run-feb |" in runs and "12 |" in runs  # each run listed, with its cells
    assert "Pairwise differences: coverage.recall" in md  # cells matched across runs by (task, seed)
    assert "24 cells, 2 generators, 6 tasks from 2 runs" in md


def test_a_generator_name_used_by_two_runs_is_refused_unless_renamed(make_run, tmp_path):
    a, b = make_run("run-a"), make_run("run-b", data_seed=11)
    with pytest.raises(HarnessError, match="'extractive' is used by runs 'run-a' and 'run-b'") as err:
        join_runs([a, b])
    assert "--as" in str(err.value)
    joined = join_runs([a, b], [f"extractive-b={b}/extractive", "gpt-pw-b=run-b/gpt-pw"])
    assert sorted(joined.data.scores["generator"].unique().to_list()) == ["extractive", "extractive-b", "gpt-pw",
                                                                          "gpt-pw-b"]
    assert set(joined.data.scores.filter(joined.data.scores["generator"] == "gpt-pw-b")["cell"].str.split("|")
               .list.get(1).to_list()) == {"gpt-pw-b"}
    written = build_report([a, b], formats="md", renames=[f"extractive-b={b}/extractive", "gpt-pw-b=run-b/gpt-pw"],
                           n_boot=200, out_dir=tmp_path / "r")
    md = written["md"].read_text()
    assert "extractive-b (was extractive)" in md and "| gpt-pw-b |" in md


def test_renames_name_an_existing_run_and_generator():
    assert parse_renames(["x=results/2026-01/gen"])[0].run == "results/2026-01"
    with pytest.raises(HarnessError, match="NAME=RUN/GEN"):
        parse_renames(["just-a-name"])


def test_bad_renames_and_runs_without_common_cells_are_one_line_errors(make_run):
    a = make_run("run-a")
    b = make_run("run-b", tasks=["stfm-since-2024"], seeds=(5,))
    with pytest.raises(HarnessError, match="is none of the reported runs"):
        join_runs([a], ["n=elsewhere/extractive"])
    with pytest.raises(HarnessError, match="has no generator 'nope'"):
        join_runs([a], ["n=run-a/nope"])
    with pytest.raises(HarnessError, match="share no \\(task, seed\\) cell"):
        join_runs([a, b], ["e2=run-b/extractive", "g2=run-b/gpt-pw"])
    with pytest.raises(HarnessError, match="given twice"):
        join_runs([a, a])


def test_the_cli_reports_a_clash_as_an_error(make_run):
    a, b = make_run("run-a"), make_run("run-b")
    out = runner.invoke(app, ["report", str(a), str(b), "--format", "md"])
    assert out.exit_code != 0 and "used by runs" in str(out.exception)
