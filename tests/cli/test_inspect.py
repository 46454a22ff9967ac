"""`harness inspect`: one JSON object with the structure of a generator output."""

from __future__ import annotations

import json

from typer.testing import CliRunner

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
    assert out["citations"] == {"markers": 89, "distinct": 20, "dangling": 0, "groups": 89,
                                "styles": {"numeric": 89}}
    # without --task only the index and the references' own ids classify: 20 arXiv URLs, none a task paper
    assert out["references"]["classes"] == {"identified": 20}
    assert {e["class"] for e in out["references"]["list"]} == {"identified"}
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
    from harness.tasks.suite import get_task

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
    assert result.exit_code == 2  # reported as one line, the batch going on (issue 28, item 6)
    err = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert "looks binary" in err[0] and "blob.bin" in err[0], result.output


def test_inspect_takes_several_files_one_json_line_each(tmp_path):
    """Issue 12.8: `harness inspect A B --json` prints one object per line, each naming its file."""
    from pathlib import Path

    fixtures = Path(__file__).parents[1] / "readers" / "fixtures"
    result = runner.invoke(app, ["inspect", str(fixtures / "web.md"), str(fixtures / "numeric.md"), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(ln) for ln in result.stdout.splitlines() if ln.strip()]
    assert [Path(o["path"]).name for o in lines] == ["web.md", "numeric.md"]
    assert lines[0]["references"]["classes"] == {"web": 3, "known": 1}  # ReAct is a paper of the agents task


def test_inspect_without_task_says_cite_n_needs_one(tmp_path):
    """Issue 14.15: the @cite_N warning names the CLI option, and only appears without --task."""
    p = tmp_path / "c.md"
    p.write_text("# R\n\nModels forecast traffic @cite_1. They scale @cite_2.\n", encoding="utf-8")
    out = inspect_json(p)
    assert any("--task" in w for w in out["warnings"]) and not any("pool=" in w for w in out["warnings"])
    with_task = inspect_json(p, "--task", "stfm-since-2024")
    assert not any("--task" in w for w in with_task["warnings"])
