"""Run directories written by earlier harness versions (tests/runner/data, see its README) still read, resume
and report through the typed Manifest; a damaged manifest fails naming its file and field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.cells import Cell
from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.runner import run_experiment
from harness.runner.manifest import FORMAT_VERSION, Manifest, Session
from harness.runner.store import load_manifest, read_generations, read_manifest, read_run_config, read_scores

DATA = Path(__file__).parent / "data"
V1 = DATA / "run-v1-c6c3b6e"  # today's untyped manifest (main at c6c3b6e)
V0 = DATA / "run-v0-6a83a11"  # the first runner: scores lines without "gen"
CELLS = {Cell(task_id="llm-hallucination-survey", generator=g, seed=s) for g in ("extractive", "recent")
         for s in (0, 1)}


def _score_entries(run: Path) -> int:
    """Scores in a run's scores.jsonl, counted from the JSON (one line per cell in these fixtures)."""
    return sum(len(json.loads(line)["scores"]) for line in (run / "scores.jsonl").read_text().splitlines())


def _copy(src: Path, tmp_path: Path) -> Path:
    run = tmp_path / src.name
    shutil.copytree(src, run, ignore=shutil.ignore_patterns("config.yaml", "README.md"))
    return run


def test_an_untyped_manifest_reads_as_the_current_format(tmp_path):
    m = load_manifest(_copy(V1, tmp_path))
    assert m.format_version == FORMAT_VERSION == 2
    assert m.run_id == "20261201T232131Z-72b56340" and m.status == "complete" and m.cells == 4
    assert isinstance(m.sessions[0], Session) and m.sessions[0].status == "complete"
    assert m.counters["provider_calls"] == 0 and m.config["name"] == "fixture-v1"
    view = read_manifest(V1)  # the dict view: every Manifest field, the file's values
    assert view["format_version"] == 2 and view["sessions"][0]["pid"] == m.sessions[0].pid


def test_a_run_of_the_untyped_format_resumes_without_running_a_cell(tmp_path):
    run = _copy(V1, tmp_path)
    before = (run / "generations.jsonl").read_bytes()
    config = ExperimentConfig.from_dict(read_run_config(run), source=str(run / "manifest.json"))
    summary = run_experiment(config, run_dir=run, progress=False)
    assert summary.status == "complete" and summary.cells_resumed == 4 and summary.cells_run == 0
    assert (run / "generations.jsonl").read_bytes() == before  # nothing generated again
    on_disk = json.loads((run / "manifest.json").read_text())
    assert on_disk["format_version"] == 2 and len(on_disk["sessions"]) == 2
    assert on_disk["sessions"][0]["started"] == "2026-12-01T23:21:31+00:00"  # the first session kept as written
    assert set(read_generations(run)) == CELLS and read_scores(run).height == _score_entries(V1)


def test_runs_of_both_earlier_formats_report(tmp_path):
    from harness.report import build_report

    for src in (V1, V0):
        run = _copy(src, tmp_path)
        md = build_report(run, formats="md", out_dir=tmp_path / f"report-{src.name}")["md"].read_text()
        assert "extractive" in md and "recent" in md and load_manifest(run).run_id in md


def test_scores_lines_without_gen_score_the_first_generation(tmp_path):
    run = _copy(V0, tmp_path)
    assert all("gen" not in json.loads(line) for line in (run / "scores.jsonl").read_text().splitlines())
    df = read_scores(run)
    assert df.height == _score_entries(V0) and set(df["cell"].unique().to_list()) == {c.key for c in CELLS}


def test_a_run_whose_config_no_longer_hashes_the_same_is_not_resumed(tmp_path):
    run = _copy(V0, tmp_path)  # its config predates today's fields, so it hashes differently now
    config = ExperimentConfig.from_dict(read_run_config(run))
    with pytest.raises(HarnessError, match="config_hash differs"):
        run_experiment(config, run_dir=run, progress=False)


@pytest.mark.parametrize(("damage", "field"), [
    ({"sessions": "yesterday"}, "sessions"),
    ({"sessions": [{"pid": "not a pid"}]}, "sessions.0.pid"),
    ({"counters": {"spend_usd": "lots"}}, "counters.spend_usd"),
    ({"format_version": 99}, "format_version"),
    ({"format_version": "two"}, "format_version"),
])
def test_a_damaged_manifest_names_its_file_and_field(tmp_path, damage, field):
    run = _copy(V1, tmp_path)
    data = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps({**data, **damage}))
    with pytest.raises(HarnessError) as err:
        read_manifest(run)
    assert err.value.path == str(run / "manifest.json") and err.value.field == field, str(err.value)


def test_a_hand_made_manifest_reads_with_defaults():
    m = Manifest.model_validate({"run_id": "r", "config": {"generators": []}})
    assert m.format_version == 2 and m.sessions == [] and m.counters == {} and m.config_hash is None


def test_a_run_of_the_first_format_rescores_and_its_scores_lines_then_name_their_generation(tmp_path):
    from harness.runner.rescore import rescore

    run = _copy(V0, tmp_path)
    df = rescore(run)
    assert set(df["cell"].unique().to_list()) == {c.key for c in CELLS}
    lines = [json.loads(line) for line in (run / "scores.jsonl").read_text().splitlines()]
    assert len(lines) == 4 and {rec["gen"] for rec in lines} == {1}
