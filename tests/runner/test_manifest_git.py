"""The manifest's git state: the checkout's commit and whether tracked files differ from it (one git call)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from harness.runner.manifest import git_state

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True,
                   capture_output=True)


def test_commit_and_dirty_flag_follow_the_checkout(tmp_path):
    assert git_state(tmp_path) is None  # not a repository
    _git(tmp_path, "init", "-q")
    assert git_state(tmp_path) is None  # a repository without a commit has no code state to name
    (tmp_path / "a.py").write_text("x = 1\n")
    _git(tmp_path, "add", "a.py")
    _git(tmp_path, "commit", "-q", "-m", "one")
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert git_state(tmp_path) == {"commit": head.strip(), "dirty": False}
    (tmp_path / "notes.txt").write_text("untracked files do not make the code dirty\n")
    assert git_state(tmp_path)["dirty"] is False
    (tmp_path / "a.py").write_text("x = 2\n")
    assert git_state(tmp_path) == {"commit": head.strip(), "dirty": True}


def test_a_process_records_the_git_state_of_the_code_it_imported(monkeypatch):
    """The harness's own checkout is read once per process: a later checkout or edit does not change the code
    that runs, so it must not change what later manifests record."""
    from harness.runner import manifest

    calls = []
    monkeypatch.setattr(manifest, "git_state", lambda repo=manifest.REPO: calls.append(repo) or {"commit": "c"})
    manifest.code_git_state.cache_clear()
    try:
        assert manifest.code_git_state() == manifest.code_git_state() == {"commit": "c"}
        assert calls == [manifest.REPO]
    finally:
        manifest.code_git_state.cache_clear()
