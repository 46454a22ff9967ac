"""An LLM support judge inside a run: calls go through the run's client (cache, limits, budget), are counted as
stage `judge` in the run's totals, and a second run of the same config makes no judge call."""

from __future__ import annotations

import json

import pytest

from harness.runner import run_experiment
from harness.runner.store import read_scores

from fakes.provider import FaultServer
from .test_provider_faults import PRICE_IN, PRICE_OUT

pytestmark = pytest.mark.timeout(300)


def _config(srv: FaultServer, tmp, tasks_dir, out: str):
    from harness.config import ExperimentConfig

    gen = {"name": "g-chat", "kind": "llm", "model": "openai/fault-chat", "strategy": "zero_shot", "mode": "chat",
           "api_base": srv.api_base, "price": {"input_per_mtok": PRICE_IN, "output_per_mtok": PRICE_OUT},
           "params": {"max_tokens": 600}}
    return ExperimentConfig.from_dict({
        "name": "support-run", "tasks": ["rel-alpha", "rel-beta"], "tasks_dir": str(tasks_dir), "generators": [gen],
        "seeds": [0], "concurrency": {"global": 4}, "timeout_s": 10.0,
        "retries": {"max_attempts": 3, "base_delay_s": 0.05, "max_delay_s": 2.0},
        "output_dir": str(tmp / out), "cache_dir": str(tmp / "cache"),
        "scorers": {"families": ["citations"],
                    "support": {"method": "llm", "model": "openai/judge-model", "api_base": srv.api_base}}})


def test_judge_calls_go_through_the_run_and_are_counted_as_stage_judge(fault_server, tmp_path, tasks_dir,
                                                                       warm_litellm):
    fault_server.script_verdicts({("as shown by work on", "approach 1."): True})
    fault_server.script(["429"], match="=== CLAIM ===", retry_after=0.1)  # the run's retries serve the judge too
    first = run_experiment(_config(fault_server, tmp_path, tasks_dir, "r1"), progress=False)
    judged = fault_server.judge_requests()
    answered = [r for r in judged if r.usage]
    c = first.counters
    assert first.status == "complete" and len(judged) >= 2
    assert len(answered) == len(judged) - 1 and c["retries"] >= 1  # the 429 was retried by the run's client
    assert c["judge_calls"] == len(answered)  # answered judge calls (provider_calls also counts the 429)
    assert c["judge_input_tokens"] == sum(r.usage[0] for r in answered)
    assert c["judge_output_tokens"] == sum(r.usage[1] for r in answered)
    assert c["judge_spend_usd"] == 0.0 and c["spend_usd"] > 0  # the judge model has no price; the generator has
    manifest = json.loads((tmp_path / "r1" / first.run_id / "manifest.json").read_text())
    assert manifest["counters"]["judge_calls"] == len(answered)
    scores = read_scores(first.run_dir).filter(read_scores(first.run_dir)["score"] == "citations.support_rate")
    assert scores.height == 2 and set(scores["status"].to_list()) == {"ok"}
    det = json.loads(scores["details"][0])
    assert det["method"] == "llm" and det["model"] == "openai/judge-model" and det["judge_usage"]["calls"] > 0

    fault_server.reset()
    second = run_experiment(_config(fault_server, tmp_path, tasks_dir, "r2"), progress=False)
    assert fault_server.judge_requests() == [] and fault_server.records == []  # generator and judge: cache
    assert second.counters["judge_calls"] == 0
    assert second.counters["judge_cache_hits"] == c["judge_calls"]
    again = read_scores(second.run_dir)
    assert sorted(again.filter(again["score"] == "citations.support_rate")["value"].to_list()) == \
        sorted(scores["value"].to_list())


def test_rescore_adds_another_methods_scores_beside_the_runs_without_calling_the_judge(
        fault_server, tmp_path, tasks_dir, warm_litellm):
    from harness.runner.rescore import rescore
    from harness.scorers.support_agreement import method_agreement

    from .tiny_nli import build_tiny_nli

    fault_server.script_verdicts({("as shown by work on", "approach 1."): True})
    run = run_experiment(_config(fault_server, tmp_path, tasks_dir, "r1"), progress=False)
    before = read_scores(run.run_dir)
    old = before.filter(before["score"] == "citations.support_rate").sort("cell")
    fault_server.reset()
    model = build_tiny_nli(tmp_path / "tiny-nli")
    df = rescore(run.run_dir, ["citations"], support={"method": "nli", "model": str(model)})
    assert fault_server.records == []  # the run's own llm support is recomputed from the cached judge replies
    same = df.filter(df["score"] == "citations.support_rate").sort("cell")
    nli = df.filter(df["score"] == "citations.support_rate.nli").sort("cell")
    assert same["value"].to_list() == old["value"].to_list(), same.select(["status", "explanation"]).to_dicts()
    assert nli.height == 2 and all(json.loads(d)["method"] == "nli" for d in nli["details"].to_list())
    assert df.filter(df["score"] == "citations.support_precision.nli").height == 2
    (ag,) = method_agreement(df.to_dicts())
    assert ag.n_pairs == sum(json.loads(d)["pairs"] for d in old["details"].to_list())


def test_cells_a_kill_left_unscored_are_judged_through_the_run_client(fault_server, tmp_path, tasks_dir,
                                                                      warm_litellm):
    fault_server.script_verdicts({("as shown by work on", "approach 1."): True})
    first = run_experiment(_config(fault_server, tmp_path, tasks_dir, "r1"), progress=False)
    assert first.counters["judge_calls"] > 0
    (tmp_path / "r1" / first.run_id / "scores.jsonl").write_text("")  # killed before any scores line was written
    fault_server.reset()
    resumed = run_experiment(_config(fault_server, tmp_path, tasks_dir, "r1"), first.run_dir, progress=False)
    assert resumed.cells_rescored == 2 and resumed.cells_run == 0, resumed
    # the judge's replies come from the run's response cache, counted in this session's totals (inside the budget)
    assert resumed.counters["judge_cache_hits"] == first.counters["judge_calls"], resumed.counters
    assert fault_server.records == []
    scores = read_scores(resumed.run_dir)
    assert set(scores.filter(scores["score"] == "citations.support_rate")["status"].to_list()) == {"ok"}
