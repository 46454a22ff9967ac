"""The judge family (rubric judge) inside a run goes through the run's client (issue 28, item 4): retries, the
SQLite response cache `harness cache` manages, the budget, and the manifest's judge counters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.runner import run_experiment
from harness.llm.cache import ResponseCache
from harness.runner.store import read_manifest, read_scores

from .helpers import TASKS

REPLY = "Score: 4. Reason: covers the main lines of work."


def _config(tmp: Path, api_base: str, **execution) -> ExperimentConfig:
    return ExperimentConfig.from_dict({
        "name": "rubric-judge", "tasks": [TASKS[0]], "seeds": [0],
        "generators": [{"name": "extractive", "kind": "extractive", "k": 4}],
        "scorers": {"families": ["judge"], "judge_model": "openai/fault-judge", "judge_api_base": api_base},
        "execution": {"retries": {"max_attempts": 3, "base_delay_s": 0.01, "max_delay_s": 0.05},
                      "output_dir": str(tmp / "results"), "cache_dir": str(tmp / "cache"), **execution}})


@pytest.mark.timeout(300)
def test_rubric_judge_calls_are_retried_cached_and_counted(fault_server, tmp_path: Path) -> None:
    fault_server.script(["500"], match="Rate the survey", text=REPLY)
    first = run_experiment(_config(tmp_path, fault_server.api_base), progress=False)
    run = Path(first.run_dir)
    counters = read_manifest(run)["counters"]
    assert counters["judge_calls"] == 3 and counters["retries"] == 1 and fault_server.count == 4
    assert counters["judge_input_tokens"] > 0
    rows = read_scores(run).filter(read_scores(run)["score"].str.starts_with("judge."))
    assert rows["value"].to_list() == [4.0, 4.0, 4.0] and set(rows["status"]) == {"ok"}
    details = json.loads(rows["details"][0])
    assert details["template"] == "rubric_judge@1" and details["prompt_hash"] and details["judge_usage"]["calls"] == 1
    with ResponseCache(tmp_path / "cache" / "responses.sqlite") as cache:  # the cache `harness cache` knows
        assert cache.stats()["models"]["openai/fault-judge"]["entries"] == 3
    again = run_experiment(_config(tmp_path, fault_server.api_base), progress=False)
    c2 = read_manifest(Path(again.run_dir))["counters"]
    assert fault_server.count == 4 and c2["judge_calls"] == 0 and c2["judge_cache_hits"] == 3


@pytest.mark.timeout(120)
def test_an_unpriced_rubric_judge_under_a_budget_is_refused(fault_server, tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="scorers.judge_model"):
        run_experiment(_config(tmp_path, fault_server.api_base, budget_usd=0.01), progress=False)
    assert fault_server.count == 0
