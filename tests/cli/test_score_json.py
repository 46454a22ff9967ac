"""`harness score --json` prints each score's details (issue 28, item 12): a user sees which check fired."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from harness.cli import app
from reliability.conftest import small_task  # tests/ is on sys.path (rootdir conftest)


def test_score_json_carries_details_and_details_flag_prints_them(tmp_path: Path) -> None:
    task = tmp_path / "t.json"
    task.write_text(json.dumps(small_task("json-task", "graph neural networks")), encoding="utf-8")
    review = tmp_path / "r.md"
    review.write_text("# R\n\n## Intro\n\nGraph models learn node features [1] and then the text stops in the "
                      "middle of\n\n## References\n\n[1] graph neural networks method number 0 with a distinct "
                      "title 0\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["score", str(review), "--task", str(task), "--scorers", "length", "--json"])
    assert res.exit_code == 0, res.output
    scores = json.loads(res.stdout.strip().splitlines()[-1])["scores"]
    trunc = scores["length.truncated"]
    assert trunc["value"] == 1 and any("mid-sentence" in s for s in trunc["details"]["signals"])
    assert "last sentence complete" in trunc["details"]["checked"]
    table = CliRunner().invoke(app, ["score", str(review), "--task", str(task), "--scorers", "length", "--details"])
    assert table.exit_code == 0 and "length.truncated details: {" in table.stdout and "mid-sentence" in table.stdout
