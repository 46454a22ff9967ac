"""Files of a run directory and its report get the user's umask; the manifest is private only when its config
could hold a secret (redaction of secret-named fields and key-like strings is best effort)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from harness.cells import Cell
from harness.generators.base import Generation
from harness.models import Review, Score
from harness.runner.store import RunStore


@pytest.fixture
def umask():
    """Set a umask for the test, restore the old one after."""
    old = os.umask(0o022)
    os.umask(old)

    def set_mask(mask: int) -> None:
        os.umask(mask)

    yield set_mask
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run(run: Path, config: dict) -> Path:
    store = RunStore(run)
    store.write_manifest({"run_id": run.name, "config": config})
    for task in ("rel-alpha", "rel-beta"):
        cell = Cell(task_id=task, generator="ext", seed=0)
        review = Review(source_format="markdown", text="# R\n\n## Intro\n\nFour words are here.")
        store.append_generation(cell, Generation(task_id=task, generator="ext", seed=0, review=review))
        store.append_scores(cell, [Score.ok("coverage.recall", 0.5, "half"), Score.ok("cost.usd", 0.0, "free")])
    store.materialize_scores()
    store.close()
    return run


PLAIN = {"generators": [{"name": "ext", "kind": "extractive"}]}
KEYED = {"generators": [{"name": "gpt", "kind": "llm", "model": "openai/gpt-4o-mini", "params": {"api_key": "***"}}]}


@pytest.mark.parametrize("mask", [0o002, 0o022, 0o077])
def test_run_and_report_files_follow_the_umask(mask: int, umask, tmp_path: Path) -> None:
    from harness.report import build_report

    umask(mask)
    run = _run(tmp_path / "run", PLAIN)
    written = build_report(run, "md,html", out_dir=run / "report", n_boot=200)
    want = 0o666 & ~mask
    for path in [run / "manifest.json", run / "scores.parquet", run / "generations.jsonl", run / "scores.jsonl",
                 *written.values()]:
        assert _mode(path) == want, f"{path.name}: {oct(_mode(path))} under umask {oct(mask)}"


def test_a_manifest_that_may_hold_secrets_stays_private(umask, tmp_path: Path) -> None:
    umask(0o022)
    assert _mode(_run(tmp_path / "keyed", KEYED) / "manifest.json") == 0o600
    url = {"generators": [{"name": "g", "kind": "llm", "model": "openai/x", "api_base": "https://u:pw@host/v1"}]}
    assert _mode(_run(tmp_path / "url", url) / "manifest.json") == 0o600
    assert _mode(_run(tmp_path / "plain", PLAIN) / "manifest.json") == 0o644
