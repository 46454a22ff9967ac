"""`harness run --dry-run`, `harness rescore`, `harness cache ...` and config errors through the CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.core.errors import HarnessError
from harness.runner import run_experiment

from .helpers import TASKS, config_dict, write_config

runner = CliRunner()


def test_dry_run_prints_estimates_and_calls_nothing(server, tmp_path):
    data = config_dict(server.api_base, tmp_path, seeds=[0, 1])
    data["generators"][0]["price"] = {"input_per_mtok": 2.0, "output_per_mtok": 8.0}
    cfg = write_config(tmp_path / "cfg.yaml", data)
    res = runner.invoke(app, ["run", str(cfg), "--dry-run"], terminal_width=200)
    assert res.exit_code == 0, res.output
    assert server.count == 0 and not (tmp_path / "results").exists()
    row = next(line for line in res.output.splitlines() if "fake-0" in line)
    cells = row.split("│")
    # cells = 2 tasks x 2 seeds; output tokens = 4 calls x max_tokens 400; USD from the user price
    assert [c.strip() for c in cells[3:5]] == ["4", "4"] and cells[6].strip() == "1600"
    tin = int(cells[5])
    assert tin > 100 and float(cells[7]) == pytest.approx((tin * 2 + 1600 * 8) / 1e6, abs=1e-4)
    assert "user-set" in row and "total estimated USD" in res.output


def test_run_rescore_and_cache_commands(server, tmp_path):
    cfg = write_config(tmp_path / "cfg.yaml", config_dict(server.api_base, tmp_path, tasks=[TASKS[0]]))
    run = tmp_path / "results" / "cli-run"
    res = runner.invoke(app, ["run", str(cfg), "--resume", str(run), "--max-cells", "2"])
    assert res.exit_code == 0, res.output
    assert "2/3 cells" in res.output and "partial" in res.output
    res = runner.invoke(app, ["run", "--resume", str(run)])  # the config comes from the run's manifest
    assert res.exit_code == 0, res.output
    assert "3/3 cells" in res.output and "complete" in res.output
    res = runner.invoke(app, ["rescore", str(run), "--scorers", "length"])
    assert res.exit_code == 0 and "rescored 3 cells" in res.output
    cache_dir = str(tmp_path / "cache")
    res = runner.invoke(app, ["cache", "stats", "--cache-dir", cache_dir])
    assert res.exit_code == 0 and "1 entries" in res.output and "openai/fake-0" in res.output
    assert "removed 0" in runner.invoke(app, ["cache", "prune", "--older-than", "1d", "--cache-dir", cache_dir]).output
    assert "removed 1" in runner.invoke(app, ["cache", "clear", "--yes", "--cache-dir", cache_dir]).output  # no terminal


def test_cli_user_errors_are_harness_errors(tmp_path):
    bad = write_config(tmp_path / "bad.yaml", {"generators": [{"name": "g", "kind": "oracle"}]})
    res = runner.invoke(app, ["run", str(bad), "--dry-run"])
    assert isinstance(res.exception, HarnessError) and "generators.0.kind" in str(res.exception)
    res = runner.invoke(app, ["rescore", str(tmp_path / "nope")])
    assert isinstance(res.exception, HarnessError)
    res = runner.invoke(app, ["cache", "prune", "--older-than", "soon", "--cache-dir", str(tmp_path)])
    assert isinstance(res.exception, HarnessError) and "--older-than" in str(res.exception)


def test_an_existing_run_is_not_overwritten_without_resume(tmp_path):
    from harness.config import ExperimentConfig

    run_dir = tmp_path / "r"
    run_dir.mkdir()
    (run_dir / "manifest.json").write_text("{}")
    cfg = ExperimentConfig.from_dict(config_dict("http://127.0.0.1:9/v1", tmp_path, tasks=[TASKS[0]], llm=0))
    with pytest.raises(HarnessError, match="already holds a run"):
        run_experiment(cfg, run_dir=run_dir, resume=False, progress=False)
