"""The llm method validated through the runner's client: scripted verdicts, retries, the response cache, the
budget and the dry run (the one fake provider, tests/fakes/provider.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app

LABELS = Path(__file__).parent / "data" / "small_support.jsonl"
# the judge's script: (claim fragment, source) -> supported; everything else is NOT_SUPPORTED
VERDICTS = {("lowers blood pressure", "SCORE=0.9"): True, ("lowers heart rate", "SCORE=0.8"): True,
            ("is cheap", "SCORE=0.7"): True, ("cures flu", "SCORE=0.85"): True, ("Z exists", "SCORE=0.5"): True}


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-key")


def _run(srv, *extra: str):
    return CliRunner().invoke(app, ["judges", "validate", "--judge", "support", "--method", "llm", "--model",
                                    "openai/judge-model", "--api-base", srv.api_base, "--labels", str(LABELS),
                                    "--json", *extra])


@pytest.mark.timeout(120)
def test_llm_validation_goes_through_the_run_client(fault_server) -> None:
    fault_server.script_verdicts(VERDICTS)
    fault_server.script(["429"], match="lowers heart rate", retry_after=0.1)  # retried by the RunClient
    res = _run(fault_server)
    assert res.exit_code == 0, res.output + repr(res.exception)
    o = json.loads(res.output)["figures"]["overall"]
    # verdicts a T, b T, c F, d T | e F, f T, g F: TP 3, FN 1, TN 2, FP 1 over 7 judged binary items
    assert o["coverage"]["value"] == 1.0 and o["accuracy"]["value"] == pytest.approx(5 / 7)
    assert o["tpr"]["value"] == pytest.approx(3 / 4) and o["tnr"]["value"] == pytest.approx(2 / 3)
    assert o["auroc"]["value"] is None  # the llm method gives verdicts, no scores
    asked = len(fault_server.judge_requests())
    assert asked == 8 + 1  # one per label, plus the retried 429
    again = _run(fault_server, "--no-cache")  # the method runs again: every answer from the response cache
    assert again.exit_code == 0 and len(fault_server.judge_requests()) == asked
    assert json.loads(again.output)["figures"] == json.loads(res.output)["figures"]


@pytest.mark.timeout(120)
def test_a_spent_budget_calls_nothing_and_caches_no_card(fault_server) -> None:
    res = _run(fault_server, "--budget-usd", "0")
    assert res.exit_code == 0, res.output + repr(res.exception)
    out = json.loads(res.output)
    assert out["figures"]["overall"]["coverage"]["value"] == 0.0 and "budget" in out["details"]["errors"][0]
    assert fault_server.judge_requests() == []
    fault_server.script_verdicts(VERDICTS)
    later = json.loads(_run(fault_server).output)  # not answered from a cached card of the failed validation
    assert later["figures"]["overall"]["coverage"]["value"] == 1.0


def test_dry_run_estimates_and_calls_nothing() -> None:
    res = CliRunner().invoke(app, ["judges", "validate", "--judge", "support", "--method", "llm", "--model",
                                   "openai/gpt-4o-mini", "--labels", str(LABELS), "--limit", "4", "--dry-run"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("dry run: 4 judge calls to openai/gpt-4o-mini") and "$" in res.output
    assert "nothing was called" in res.output
