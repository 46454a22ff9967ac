"""`harness score`: exactly one JSON object with the contract names; a readable table; clear user errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from harness.cli import app

runner = CliRunner()


def test_score_json_on_the_seed(seed_path):
    res = runner.invoke(app, ["score", str(seed_path), "--task", "stfm-since-2024", "--scorers",
                              "length,plan,cost", "--json"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["task"] == "stfm-since-2024"
    trunc = obj["scores"]["length.truncated"]
    assert set(trunc) == {"value", "status", "explanation", "details"}  # details: issue 28, item 12
    assert (trunc["value"], trunc["status"]) == (1.0, "ok") and "mid-sentence" in trunc["details"]["signals"][0]
    assert obj["scores"]["plan.references_used_rate"]["value"] == 0.5
    assert obj["scores"]["cost.usd"]["value"] == 0.006157
    assert set(obj["scores"]) == {"length.words", "length.target_ratio", "length.in_target", "length.truncated",
                                  "length.at_token_cap", "plan.sections_delivered_rate", "plan.references_used_rate",
                                  "plan.target_words", "plan.words_ratio", "plan.truncated", "cost.usd",
                                  "cost.input_tokens", "cost.output_tokens", "cost.latency_s"}
    assert obj["format"] == "litreview-report" and obj["warnings"] == []


def test_score_table(seed_path):
    res = runner.invoke(app, ["score", str(seed_path), "--task", "stfm-since-2024", "--scorers", "cost"])
    assert res.exit_code == 0 and "cost.usd" in res.output and "0.006157" in res.output


def test_unknown_family_is_a_clear_error(seed_path):
    res = runner.invoke(app, ["score", str(seed_path), "--task", "stfm-since-2024", "--scorers", "nope"])
    assert res.exit_code != 0 and "unknown scorer families: nope" in str(res.exception)


def test_score_several_files_prints_one_json_line_each(tmp_path):
    """Issue 12.8 and 12.10: one object per file, each with its format and the reader's warnings."""
    a = tmp_path / "a.md"
    a.write_text("# R\n\nModels forecast traffic well.\n\n## References\n\n[1] Some Paper Title Here\n",
                 encoding="utf-8")
    b = tmp_path / "b.md"
    b.write_text("# R\n\nModels forecast traffic well [1].\n", encoding="utf-8")
    res = runner.invoke(app, ["score", str(a), str(b), "--task", "stfm-since-2024", "--scorers", "length",
                              "--json"])
    assert res.exit_code == 0, res.output
    objs = [json.loads(ln) for ln in res.stdout.splitlines() if ln.strip()]
    assert [o["path"] for o in objs] == [str(a), str(b)]
    assert all(o["format"] == "markdown" for o in objs)
    assert objs[0]["warnings"] == ["reference list but no in-text citations"]
    assert any("no reference list" in w for w in objs[1]["warnings"])


def test_score_table_shows_format_and_reader_warnings(tmp_path):
    p = tmp_path / "a.md"
    p.write_text("# R\n\nModels forecast traffic well [1].\n", encoding="utf-8")
    res = runner.invoke(app, ["score", str(p), "--task", "stfm-since-2024", "--scorers", "length"])
    assert res.exit_code == 0 and "format: markdown" in res.output and "reader warning" in res.output


def test_the_scorers_help_lists_the_registered_families(monkeypatch):
    from harness.scorers import FAMILIES
    from harness.scorers.family import REGISTRY, Family

    monkeypatch.setitem(REGISTRY, "toyfam", Family("toyfam", {"toyfam.x": "higher"}, lambda r, t, c: []))
    res = runner.invoke(app, ["score", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.replace("│", " ").split())
    assert ", ".join([*(f + (" (calls a model)" if f == "judge" else "") for f in FAMILIES if f != "toyfam"),
                      "toyfam"]) in text  # a family registered later (a plug-in) is listed too
