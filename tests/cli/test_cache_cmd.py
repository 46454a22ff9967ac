"""`harness cache stats|clear|prune`: never create a cache by accident; clear asks first on a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.core.errors import HarnessError

runner = CliRunner()


def _cache_with_one_entry(cache_dir: Path) -> None:
    from harness.generators.base import LLMRequest, LLMResponse
    from harness.llm.cache import ResponseCache, request_key

    request = LLMRequest(model="openai/fake", stage="write", messages=[{"role": "user", "content": "hi"}])
    with ResponseCache(cache_dir / "responses.sqlite") as cache:
        cache.put(request_key(request), request, LLMResponse(text="hello"))


@pytest.mark.parametrize("command", [["stats"], ["clear", "--yes"], ["prune", "--older-than", "1d"]])
def test_a_mistyped_cache_dir_is_an_error_and_creates_nothing(command: list[str], tmp_path: Path) -> None:
    typo = tmp_path / "cahce"
    result = runner.invoke(app, ["cache", *command, "--cache-dir", str(typo)])
    assert isinstance(result.exception, HarnessError), result.output
    assert "the response cache does not exist" in str(result.exception) and str(typo) in str(result.exception)
    assert not typo.exists()


def test_clear_asks_on_a_terminal_and_yes_skips_the_question(tmp_path: Path, monkeypatch) -> None:
    from harness.cli import run_cmd

    _cache_with_one_entry(tmp_path)
    monkeypatch.setattr(run_cmd, "_interactive", lambda: True)
    no = runner.invoke(app, ["cache", "clear", "--cache-dir", str(tmp_path)], input="n\n")
    assert no.exit_code == 1 and "delete all 1 cached responses" in no.output and "nothing removed" in no.output
    assert "1 entries" in runner.invoke(app, ["cache", "stats", "--cache-dir", str(tmp_path)]).output
    yes = runner.invoke(app, ["cache", "clear", "--cache-dir", str(tmp_path)], input="y\n")
    assert yes.exit_code == 0 and "removed 1 entries" in yes.output
    _cache_with_one_entry(tmp_path)
    flag = runner.invoke(app, ["cache", "clear", "--yes", "--cache-dir", str(tmp_path)])
    assert flag.exit_code == 0 and "delete all" not in flag.output and "removed 1 entries" in flag.output


def test_clear_off_a_terminal_needs_yes_and_deletes_nothing_without_it(tmp_path: Path) -> None:
    """Off a terminal (CliRunner's stdin is a pipe) a piped "n" or no answer deletes nothing (issue 28, item 7)."""
    _cache_with_one_entry(tmp_path)
    refused = runner.invoke(app, ["cache", "clear", "--cache-dir", str(tmp_path)], input="n\n")
    assert isinstance(refused.exception, HarnessError) and refused.exception.field == "--yes", refused.output
    assert "1 entries" in runner.invoke(app, ["cache", "stats", "--cache-dir", str(tmp_path)]).output
    ok = runner.invoke(app, ["cache", "clear", "--yes", "--cache-dir", str(tmp_path)])
    assert ok.exit_code == 0 and "removed 1 entries" in ok.output
