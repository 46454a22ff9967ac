"""`harness generate` writes one review for a quick try; errors are one clear line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from harness.cli import app


def test_generate_with_the_extractive_baseline_writes_a_generation(tmp_path, suite):
    out = tmp_path / "gen.json"
    res = CliRunner().invoke(app, ["generate", "--task", "rag-llm-survey", "--generator", "extractive",
                                   "--k", "8", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "8 references" in res.output and "flags: none" in res.output
    data = json.loads(out.read_text())
    assert data["task_id"] == "rag-llm-survey" and len(data["review"]["references"]) == 8


def test_generate_markdown_output(tmp_path, suite):
    out = tmp_path / "review.md"
    res = CliRunner().invoke(app, ["generate", "--task", "rag-llm-survey", "--generator", "recent_papers",
                                   "--k", "5", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text().count("\n[") >= 5


def test_unknown_task_is_a_harness_error(suite):
    res = CliRunner().invoke(app, ["generate", "--task", "no-such-task", "--generator", "extractive"])
    assert res.exit_code != 0
    assert "no-such-task" in str(res.exception)


def test_generate_runs_a_plug_in_generator_kind(tmp_path, suite, examples_on_path):
    out = tmp_path / "lead.json"
    res = CliRunner().invoke(app, ["generate", "--plugin", "my_plugins.generators", "--task", "rag-llm-survey",
                                   "--generator", "lead_sentences", "--k", "4", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["generator"] == "lead_sentences" and data["review"]["text"]


def test_an_unknown_kind_names_the_known_ones(suite):
    res = CliRunner().invoke(app, ["generate", "--task", "rag-llm-survey", "--generator", "no_such_kind"])
    assert res.exit_code != 0
    assert "no_such_kind" in str(res.exception) and "extractive" in str(res.exception)
