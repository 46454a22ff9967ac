"""The committed calibration study matches the committed tasks, and the README table is what the script renders."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from harness.scorers.calibration_study import render_table, split_of
from harness.tasks.suite import load_suite

REPO = Path(__file__).resolve().parents[2]
STUDY = REPO / "tasks" / "calibration" / "study.json"


def _load_script():
    spec = importlib.util.spec_from_file_location("calibrate_tasks_script", REPO / "scripts" / "calibrate_tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


calibrate_tasks = _load_script()


@pytest.fixture(scope="module")
def study():
    return json.loads(STUDY.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def suite():
    return load_suite(REPO / "tasks")


def test_readme_table_is_the_scripts_rendering_of_the_study(study):
    text = (REPO / "tasks" / "README.md").read_text(encoding="utf-8")
    section = text.split(calibrate_tasks.BEGIN, 1)[1].split(calibrate_tasks.END, 1)[0]
    assert section == "\n" + render_table(study), "stale: run python scripts/calibrate_tasks.py --render-only"


def test_render_only_rewrites_the_table_in_place(study, tmp_path):
    (tmp_path / "calibration").mkdir()
    (tmp_path / "calibration" / "study.json").write_text(json.dumps(study), encoding="utf-8")
    readme = REPO / "tasks" / "README.md"
    (tmp_path / "README.md").write_text(readme.read_text(encoding="utf-8").replace(
        render_table(study), "old table\n"), encoding="utf-8")
    assert calibrate_tasks.main(["--tasks", str(tmp_path), "--render-only"]) == 0
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == readme.read_text(encoding="utf-8")


def test_every_task_was_measured_in_its_committed_version(study, suite):
    assert sorted(study["tasks"]) == sorted(suite)
    for tid, task in suite.items():
        entry = study["tasks"][tid]
        assert entry["task_hash"] == calibrate_tasks.study_hash(task), f"{tid}: re-run scripts/calibrate_tasks.py"
        stored = task.provenance["relevance_calibration"]
        chosen = entry["configs"][study["chosen"]]
        assert stored["threshold"] == chosen["threshold"] and stored["auroc_cs"] == chosen["auroc_cs"]
        assert stored["query_text"] == entry["query_text"]


def test_cs_test_items_are_never_calibration_negatives(study):
    for tid, entry in study["tasks"].items():
        for row in entry["configs"].values():
            assert row["n_test"]["cs"] > 0 and row["n_calibration"]["cs"] > 0, tid
    # the split is a pure function of (task, paper); pool papers always land in the test half
    assert split_of("t", "p", in_pool=True) == "test"
    halves = {split_of("t", f"p{i}", in_pool=False) for i in range(50)}
    assert halves == {"calibration", "test"}


def test_support_auroc_is_reported_per_task(study, suite):
    for tid, entry in study["tasks"].items():
        n_abs = sum(1 for pid in suite[tid].reference_papers if suite[tid].paper(pid).abstract)
        sup = entry["support"]
        assert sup["n_papers"] <= min(n_abs, 150)
        assert (sup["auroc"] is None) == (sup["n_papers"] < 5), tid
