"""`harness inspect`: one JSON object with the structure of a generator output."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import harness.cli  # noqa: F401  (registers every command)
from harness.cli.app import app

runner = CliRunner()


def inspect_json(*args):
    result = runner.invoke(app, ["inspect", *map(str, args), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_inspect_seed_json(seed_path):
    out = inspect_json(seed_path)
    assert out["format"] == "litreview-report"
    assert abs(out["words"] - 6065) <= 61 and out["ends_mid_sentence"] is True
    assert out["citations"] == {"markers": 89, "distinct": 20, "dangling": 0}
    assert out["references"]["entries"] == 20 and out["references"]["resolved"] == 20
    assert out["references"]["unresolved"] == 0 and out["references"]["duplicates"] == 0
    assert out["pool_papers"] == 40
    assert out["usage"]["input_tokens"] == 23592 and out["usage"]["output_tokens"] == 10192
    assert out["usage"]["cost_usd"] == 0.006157
    assert [s["name"] for s in out["usage"]["stages"]] == ["plan", "review"]
    assert out["sections"][0]["level"] == 1 and {"level", "title"} == set(out["sections"][0])
    assert out["topic"].startswith("a of the latest advances")


def test_inspect_with_task_resolves_against_the_task(shared_dir):
    path = shared_dir / "data/outputs/surge-autosurvey/rag-llm.json"
    alone = inspect_json(path)
    assert alone["pool_papers"] is None and alone["references"]["resolved"] == 0 and alone["usage"] is None
    with_task = inspect_json(path, "--task", "rag-llm-survey")
    from harness.tasks import get_task

    assert with_task["pool_papers"] == len(get_task("rag-llm-survey").pool)
    assert with_task["references"]["resolved"] > 0
    assert with_task["references"]["resolved"] + with_task["references"]["unresolved"] == 65


def test_inspect_forced_format_and_table(shared_dir):
    path = shared_dir / "data/outputs/surge-naive/rag-llm.md"
    assert inspect_json(path, "--format", "markdown")["format"] == "markdown"
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 0 and "references" in result.stdout


def test_inspect_bad_file_is_one_clear_error(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x00\x01\x02" * 100)
    result = runner.invoke(app, ["inspect", str(path), "--json"])
    assert result.exit_code != 0
    assert "looks binary" in str(result.exception) and "blob.bin" in str(result.exception)
