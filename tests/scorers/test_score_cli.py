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
    assert obj["scores"]["length.truncated"] == {"value": 1.0, "status": "ok",
                                                 "explanation": obj["scores"]["length.truncated"]["explanation"]}
    assert obj["scores"]["plan.references_used_rate"]["value"] == 0.5
    assert obj["scores"]["cost.usd"]["value"] == 0.006157
    assert set(obj["scores"]) == {"length.words", "length.target_ratio", "length.in_target", "length.truncated",
                                  "plan.sections_delivered_rate", "plan.references_used_rate", "cost.usd",
                                  "cost.input_tokens", "cost.output_tokens", "cost.latency_s"}


def test_score_table(seed_path):
    res = runner.invoke(app, ["score", str(seed_path), "--task", "stfm-since-2024", "--scorers", "cost"])
    assert res.exit_code == 0 and "cost.usd" in res.output and "0.006157" in res.output


def test_unknown_family_is_a_clear_error(seed_path):
    res = runner.invoke(app, ["score", str(seed_path), "--task", "stfm-since-2024", "--scorers", "nope"])
    assert res.exit_code != 0 and "unknown scorer families: nope" in str(res.exception)
