"""`--resume` after a task file's content changed (issue 28, item 2): refused with one line naming the task and
both hashes, unless --allow-task-change, which records the change and the report lists the mixed cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.core.errors import HarnessError
from harness.runner.store import read_manifest
from reliability.conftest import small_task  # tests/ is on sys.path (rootdir conftest)

from .helpers import write_config


def _setup(tmp: Path) -> tuple[Path, Path]:
    tasks = tmp / "tasks"
    tasks.mkdir()
    (tasks / "t-one.json").write_text(json.dumps(small_task("t-one", "retrieval augmented generation")))
    cfg = write_config(tmp / "cfg.yaml", {
        "name": "task-change", "tasks": ["all"], "tasks_dir": str(tasks), "seeds": [0, 1, 2],
        "generators": [{"name": "ext", "kind": "extractive", "k": 4}], "scorers": {"families": ["length"]},
        "output_dir": str(tmp / "results"), "cache_dir": str(tmp / "cache")})
    return cfg, tasks


def _hash(tasks: Path) -> str:
    from harness.tasks.suite import load_task_file

    t = load_task_file(tasks / "t-one.json")
    return t.content_hash or t.compute_hash()


@pytest.mark.timeout(300)
def test_resume_after_a_task_changed_is_refused_then_allowed_and_reported(tmp_path: Path) -> None:
    cfg, tasks = _setup(tmp_path)
    run = tmp_path / "results" / "r"
    first = CliRunner().invoke(app, ["run", str(cfg), "--resume", str(run), "--max-cells", "1"])
    assert first.exit_code == 0, first.output
    old = _hash(tasks)
    (tasks / "t-one.json").write_text(json.dumps(small_task("t-one", "protein structure prediction")))
    new = _hash(tasks)
    assert old != new
    refused = CliRunner().invoke(app, ["run", str(cfg), "--resume", str(run)])
    exc = refused.exception
    assert isinstance(exc, HarnessError), refused.output
    text = str(exc)
    assert "\n" not in text and "'t-one'" in text and old in text and new in text and "--allow-task-change" in text
    lines = (run / "generations.jsonl").read_text().splitlines()
    assert len(lines) == 1  # nothing ran
    allowed = CliRunner().invoke(app, ["run", str(cfg), "--resume", str(run), "--allow-task-change"])
    assert allowed.exit_code == 0, allowed.output
    manifest = read_manifest(run)
    assert manifest["tasks"]["t-one"]["content_hash"] == new
    change = manifest["task_changes"][0]
    assert (change["old_hash"], change["new_hash"], change["old_version_cells"]) == (old, new, ["t-one|ext|0"])
    rep = CliRunner().invoke(app, ["report", str(run), "--format", "md", "--out", str(tmp_path / "rep")])
    assert rep.exit_code == 0, rep.output
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "MIXED TASK VERSIONS" in md and "t-one|ext|0" in md
