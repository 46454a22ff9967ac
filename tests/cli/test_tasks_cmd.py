"""`harness tasks list|show|validate` on the shipped suite and on broken files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app, main

REPO = Path(__file__).resolve().parents[2]
TASKS = REPO / "tasks"
runner = CliRunner()


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the real entry point (which turns HarnessError into exit 2)."""
    monkeypatch.setattr(sys, "argv", ["harness", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_json_is_one_list_with_the_promised_keys():
    result = runner.invoke(app, ["tasks", "list", "--json", "--dir", str(TASKS)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 22
    keys = {"id", "reference_papers", "with_arxiv_id", "with_abstract", "pool", "pooled_reference_ids",
            "target_words", "surveybench_topic"}
    assert all(keys <= set(r) for r in rows)
    stfm = next(r for r in rows if r["id"] == "stfm-since-2024")
    assert stfm["reference_papers"] == 143 and stfm["with_arxiv_id"] == 88
    assert stfm["pool"] == {"reference": 24, "topical": 15, "near-topic": 9, "off-topic": 12}
    assert stfm["target_words"] == [4500, 5500] and stfm["surveybench_topic"] is None
    rag = next(r for r in rows if r["id"] == "rag-llm-survey")
    assert rag["pooled_reference_ids"] == 608
    assert rag["surveybench_topic"] == "Retrieval-Augmented Generation for Large Language Models"


def test_list_table_shows_every_task():
    result = runner.invoke(app, ["tasks", "list", "--dir", str(TASKS)], terminal_width=200)
    assert result.exit_code == 0, result.output
    for tid in ("stfm-since-2024", "vision-transformers", "3d-gaussian-splatting"):
        assert tid in result.output


def test_show_summary_and_json():
    result = runner.invoke(app, ["tasks", "show", "stfm-since-2024", "--dir", str(TASKS)])
    assert result.exit_code == 0, result.output
    assert "Unraveling Spatio-Temporal Foundation Models" in result.output
    assert "target words: 4500-5500" in result.output
    result = runner.invoke(app, ["tasks", "show", "rag-llm-survey", "--json", "--dir", str(TASKS)])
    data = json.loads(result.output)
    assert data["id"] == "rag-llm-survey" and len(data["pool"]) == 60


def test_show_reports_abstract_coverage_and_unresolvable_ids():
    # 133 of rag's 191 reference papers have a shipped abstract (abstracts/PROVENANCE.md), 11 of them venue-graded
    result = runner.invoke(app, ["tasks", "show", "rag-llm-survey", "--dir", str(TASKS)])
    assert "abstracts: 133 of 191 reference papers (70%; by grade: arxiv 122, venue 11)" in result.output
    assert "alternate outline: " in result.output
    # Scientific LLMs: 303 bibliography ids, 173 titled (human-surveys/papers-coverage.json)
    result = runner.invoke(app, ["tasks", "show", "scientific-llm-survey", "--dir", str(TASKS)])
    assert "reference papers: 173" in result.output
    assert "unresolvable bibliography ids (no title, not counted): 130" in result.output


def test_show_unknown_id_exits_2_with_known_ids(monkeypatch, capsys):
    code, _, err = run_main(monkeypatch, capsys, "tasks", "show", "nope", "--dir", str(TASKS))
    assert code == 2 and "unknown task 'nope'" in err and "rag-llm-survey" in err


def test_validate_dir_and_file(monkeypatch, capsys):
    code, out, _ = run_main(monkeypatch, capsys, "tasks", "validate", str(TASKS))
    assert code == 0 and out.strip() == "ok 22 tasks"
    code, out, _ = run_main(monkeypatch, capsys, "tasks", "validate", str(TASKS / "stfm-since-2024.json"))
    assert code == 0 and out.strip() == "ok 1 tasks"


def test_validate_broken_file_exits_2_naming_file_field_line(monkeypatch, capsys, tmp_path):
    data = json.loads((TASKS / "lm-timeseries-spatiotemporal.json").read_text())
    data["pool"][5]["paper_id"] = "missing-paper"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, indent=1))
    code, out, err = run_main(monkeypatch, capsys, "tasks", "validate", str(bad))
    assert code == 2 and out == ""
    assert f"{bad}:" in err and "field 'pool.5.paper_id'" in err and "not in papers" in err
    assert "Traceback" not in err


def test_validate_missing_path_exits_2(monkeypatch, capsys, tmp_path):
    code, _, err = run_main(monkeypatch, capsys, "tasks", "validate", str(tmp_path / "nothing.json"))
    assert code == 2 and "no such file" in err


@pytest.mark.parametrize("args", [["tasks", "--help"], ["tasks", "list", "--help"]])
def test_help(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "tasks" in result.output.lower()
