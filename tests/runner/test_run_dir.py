"""RunDirectory: a session opens a new run or resumes one, holds its lock, and keeps its manifest's sessions."""

from __future__ import annotations

import json

import pytest

from harness.cells import Cell
from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.runner.run_dir import RunDirectory
from harness.runner.store import read_manifest
from harness.runner.summary import RunSummary
from harness.tasks.suite import load_suite

from .helpers import TASKS, config_dict


def _setup(tmp_path, **over):
    suite = load_suite(None)
    config = ExperimentConfig.from_dict(config_dict("http://127.0.0.1:9/v1", tmp_path, tasks=[TASKS[0]], llm=0,
                                                    **over)).resolved(list(suite))
    cells = [Cell(task_id=t, generator=g, seed=s) for t, g, s in config.cells(config.tasks)]
    return config, suite, cells


def _finish(rd: RunDirectory, cells: list[Cell], status: str = "complete", **counters) -> None:
    rd.finish(RunSummary(run_id=rd.run_id, run_dir=str(rd.path), status=status, cells_total=len(cells),
                         counters={"spend_usd": 0.0, **counters}))


def test_a_new_run_is_a_directory_named_by_its_run_id_with_one_running_session(tmp_path):
    config, suite, cells = _setup(tmp_path)
    rd = RunDirectory.open(config, suite, cells)
    assert rd.path.parent == tmp_path / "results" and rd.run_id == rd.path.name
    assert rd.run_id.endswith(config.config_hash()[:8])
    m = read_manifest(rd.path)
    assert m["status"] == "running" and m["cells"] == len(cells) == 2 and len(m["sessions"]) == 1
    assert m["sessions"][0]["ended"] is None and m["format_version"] == 2
    with pytest.raises(HarnessError, match="in use by another harness process"):
        RunDirectory.open(config, suite, cells, run_dir=rd.path)  # the session holds the directory's lock
    _finish(rd, cells)
    m = read_manifest(rd.path)
    assert m["status"] == "complete" and m["sessions"][0]["status"] == "complete" and m["ended"] is not None


def test_a_second_run_of_one_config_in_the_same_second_gets_its_own_directory(tmp_path, monkeypatch):
    from harness.runner import run_dir as run_dir_mod

    monkeypatch.setattr(run_dir_mod, "new_run_id", lambda config: "20261201T000000Z-abcdef12")  # one second
    config, suite, cells = _setup(tmp_path)
    first = RunDirectory.open(config, suite, cells)
    second = RunDirectory.open(config, suite, cells)
    assert (first.run_id, second.run_id) == ("20261201T000000Z-abcdef12", "20261201T000000Z-abcdef12-2")
    _finish(first, cells)
    _finish(second, cells)


def test_resuming_adds_a_session_and_recounts_a_killed_one_from_usage(tmp_path):
    config, suite, cells = _setup(tmp_path)
    rd = RunDirectory.open(config, suite, cells)
    rd.record_usage({"provider_calls": 2, "spend_usd": 0.25})
    rd.store.close()  # killed: no finish, so the manifest never got the session's end or counters
    again = RunDirectory.open(config, suite, cells, run_dir=rd.path)
    assert again.session_index == 1 and again.prior_spend_usd == pytest.approx(0.25)
    killed = again.manifest.sessions[0]
    assert killed.status == "killed (no end recorded)" and killed.counters["provider_calls"] == 2
    _finish(again, cells, provider_calls=1, spend_usd=0.5)
    m = read_manifest(rd.path)
    assert m["counters"]["provider_calls"] == 3 and m["counters"]["spend_usd"] == pytest.approx(0.75)
    assert m["last_session_counters"]["provider_calls"] == 1


def test_a_run_is_resumed_only_when_asked_and_only_by_its_own_config(tmp_path):
    config, suite, cells = _setup(tmp_path)
    rd = RunDirectory.open(config, suite, cells)
    _finish(rd, cells)
    with pytest.raises(HarnessError, match="already holds a run"):
        RunDirectory.open(config, suite, cells, run_dir=rd.path, resume=False)
    other, _, other_cells = _setup(tmp_path, seeds=[0, 1])
    with pytest.raises(HarnessError, match="different config") as err:
        RunDirectory.open(other, suite, other_cells, run_dir=rd.path)
    assert err.value.field == "config_hash"
    assert len(json.loads((rd.path / "manifest.json").read_text())["sessions"]) == 1  # refused: nothing added


def test_refresh_writes_live_counters_at_most_every_interval(tmp_path, monkeypatch):
    from harness.runner import run_dir as run_dir_mod

    config, suite, cells = _setup(tmp_path)
    rd = RunDirectory.open(config, suite, cells)
    rd.refresh({"provider_calls": 5})  # just written by open: too soon
    assert read_manifest(rd.path)["sessions"][0]["counters"] == {}
    monkeypatch.setattr(run_dir_mod, "MANIFEST_EVERY_S", 0.0)
    rd.refresh({"provider_calls": 5})
    m = read_manifest(rd.path)
    assert m["sessions"][0]["counters"] == {"provider_calls": 5} and m["counters"]["provider_calls"] == 5
    _finish(rd, cells)


def test_a_new_run_records_its_judges_cards_and_copies_them_beside_it(tmp_path, monkeypatch):
    """The shipped card of the default support method is copied to RUN/judge_cards/ and listed in the manifest;
    a judge without a card is listed as not validated."""
    from harness.judges import cards

    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))  # only the shipped cards
    config, suite, cells = _setup(tmp_path)  # length, cost, structure: no judged score
    assert read_manifest(RunDirectory.open(config, suite, cells).path)["judge_cards"] == []
    config, suite, cells = _setup(tmp_path, scorers={"families": ["citations", "judge"]})
    rd = RunDirectory.open(config, suite, cells)
    m = read_manifest(rd.path)
    by = {c["judge"]: c for c in m["judge_cards"]}
    sup = by["support"]
    assert sup["method"] == "similarity" and "citations.support_rate" in sup["metrics"]
    if any(cards.SHIPPED_DIR.glob("support-similarity-*.json")):
        card = json.loads((rd.path / sup["file"]).read_text())
        assert card["key"] == sup["card"] and card["label_set"]["name"] == "scifact"
        assert sup["line"].startswith("support (similarity): balanced accuracy")
    assert by["rubric"]["card"] is None and "not validated" in by["rubric"]["line"]
    assert by["relevance"]["metrics"] == ["citations.on_topic_rate", "citations.off_topic"]
    _finish(rd, cells)
    assert read_manifest(rd.path)["judge_cards"] == m["judge_cards"]
