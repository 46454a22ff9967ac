"""run_experiment end to end: real tasks, real litellm against the local test server, real baselines and scorers."""

from __future__ import annotations

import json

import polars as pl
import pytest

from harness.cells import Cell
from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.runner import run_experiment
from harness.runner.rescore import rescore
from harness.runner.store import SCORE_SCHEMA, read_errors, read_generations, read_manifest, read_scores
from harness.scorers import NAMES
from harness.tasks.suite import load_suite

from .helpers import FAMILIES, TASKS, config_dict, make_config

SCORE_NAMES = {n for f in FAMILIES for n in NAMES[f]}


def test_run_writes_the_run_directory_and_a_second_run_is_served_by_the_cache(server, tmp_path):
    cfg = make_config(server.api_base, tmp_path, seeds=[0, 1])
    first = run_experiment(cfg, progress=False)
    cells = {f"{t}|{g}|{s}" for t in TASKS for g in ("fake-0", "extractive", "recent") for s in (0, 1)}
    assert first.status == "complete" and first.cells_done == len(cells) == 12
    run = tmp_path / "results" / first.run_id
    assert {p.name for p in run.iterdir()} >= {"manifest.json", "generations.jsonl", "scores.jsonl",
                                                "scores.parquet", "run.log"}

    gens = {c.key: g for c, g in read_generations(run).items()}
    assert set(gens) == cells
    assert all(g.review is not None and g.error is None for g in gens.values())
    llm = gens[f"{TASKS[0]}|fake-0|0"]
    assert llm.calls and llm.calls[0].attempts == 1 and not llm.calls[0].cached
    for line in (run / "generations.jsonl").read_text().splitlines():
        assert "cell" in json.loads(line)

    df = read_scores(run)
    assert df.schema == pl.Schema(SCORE_SCHEMA)
    assert df.height == len(cells) * len(SCORE_NAMES)
    assert df.select(["cell", "score"]).is_duplicated().sum() == 0
    assert set(df["score"]) == SCORE_NAMES and set(df["cell"]) == cells

    m = read_manifest(run)
    assert m["status"] == "complete" and m["config_hash"] == cfg.resolved(list(load_suite())).config_hash()
    assert m["counters"]["provider_calls"] == server.count == 4 and m["counters"]["cache_hits"] == 0
    assert set(m["tasks"]) == set(TASKS) and all(len(v["content_hash"]) == 64 for v in m["tasks"].values())
    assert m["prompt_templates"] and m["litellm"]["version"] and "bundled" in m["litellm"]["price_map"]
    assert m["price_sources"]["fake-0"] == "unknown" and m["machine"]["cores"] >= 1
    assert m["packages"]["polars"] and (m["git"] is None or "dirty" in m["git"])

    second = run_experiment(cfg, progress=False)
    m2 = read_manifest(tmp_path / "results" / second.run_id)
    assert second.run_id != first.run_id
    assert m2["counters"]["provider_calls"] == 0 and m2["counters"]["cache_hits"] == 4 and server.count == 4
    assert second.cells_cached == 4
    df2 = read_scores(tmp_path / "results" / second.run_id)
    same = pl.col("score") != "cost.latency_s"  # wall time is the one score that differs between runs
    assert df2.filter(same).sort(["cell", "score"]).equals(df.filter(same).sort(["cell", "score"]))

    # rescore reproduces the stored scores with no provider call
    before = df.sort(["cell", "score"])
    again = rescore(run)
    assert server.count == 4
    assert again.sort(["cell", "score"]).equals(before)
    lengths_only = rescore(run, ["length"])
    assert lengths_only.height == before.height


def test_a_failing_cell_is_recorded_and_the_run_goes_on(server, tmp_path):
    cfg = make_config(server.api_base, tmp_path, tasks=[TASKS[0]])
    server.script(["429", "500", "503"], retry_after=0)
    summary = run_experiment(cfg, progress=False)
    assert summary.cells_done == 3 and summary.cells_failed == 1 and summary.status == "complete"
    run = tmp_path / "results" / summary.run_id
    gens = {c.key: g for c, g in read_generations(run).items()}
    failed = [c for c, g in gens.items() if g.error]
    assert failed == [f"{TASKS[0]}|fake-0|0"]
    g = gens[failed[0]]
    assert g.review is None and "gave up after 3 attempts" in g.error and g.calls[-1].attempts == 3
    assert all(gens[c].review is not None for c in gens if c not in failed)
    (err,) = read_errors(run)
    assert err["cell"] == failed[0] and err["attempts"] == 3 and "503" in err["error"]
    df = read_scores(run)
    bad = df.filter(pl.col("cell") == failed[0])
    assert bad.height == len(SCORE_NAMES) and set(bad["status"]) == {"error"}
    assert bad["value"].null_count() == bad.height
    m = read_manifest(run)
    assert m["counters"]["retries"] == 2 and m["counters"]["errors"] == 1
    assert m["counters"]["provider_calls"] == 3 == server.count
    # the error was not cached: a fresh run calls the provider again (and now succeeds)
    again = run_experiment(cfg, progress=False)
    assert again.counters["provider_calls"] == 1 and again.cells_failed == 0


def test_resume_retries_a_failed_cell_and_its_new_result_wins(server, tmp_path):
    cfg = make_config(server.api_base, tmp_path, tasks=[TASKS[0]])
    server.script(["500", "500", "500"])
    first = run_experiment(cfg, progress=False)
    run = tmp_path / "results" / first.run_id
    cell = f"{TASKS[0]}|fake-0|0"
    assert first.cells_failed == 1 and read_generations(run)[Cell.parse(cell)].error
    resumed = run_experiment(cfg, run_dir=run, progress=False)
    assert resumed.cells_run == 1 and resumed.cells_resumed == 2 and resumed.counters["provider_calls"] == 1
    assert resumed.cells_failed == 0 and resumed.status == "complete"
    lines = [json.loads(x)["cell"] for x in (run / "generations.jsonl").read_text().splitlines()]
    assert lines.count(cell) == 2  # append-only: the failed attempt stays on disk, the last line wins
    gen = read_generations(run)[Cell.parse(cell)]
    assert gen.review is not None and gen.error is None
    df = read_scores(run)
    assert df.select(["cell", "score"]).is_duplicated().sum() == 0
    rows = df.filter(pl.col("cell") == cell)
    assert rows.height == len(SCORE_NAMES) and (rows["status"] == "ok").sum() > 0
    assert rescore(run).filter(pl.col("cell") == cell).sort("score").equals(rows.sort("score"))
    m = read_manifest(run)
    assert m["counters"]["provider_calls"] == 4 == server.count and m["counters"]["errors"] == 1
    # a third session has nothing to do
    assert run_experiment(cfg, run_dir=run, progress=False).cells_run == 0


def test_a_killed_sessions_usage_is_recovered_and_counts_against_the_budget(server, tmp_path):
    data = config_dict(server.api_base, tmp_path, tasks=[TASKS[0]], offline=False, seeds=[0, 1, 2],
                       concurrency={"global": 1})
    data["generators"][0]["price"] = {"input_per_mtok": 1.0, "output_per_mtok": 1.0}
    first = run_experiment(ExperimentConfig.from_dict(data), progress=False)
    run = tmp_path / "results" / first.run_id
    spent = first.counters["spend_usd"]
    assert spent > 0 and (run / "usage.jsonl").exists()
    # make it look like the session was SIGKILLed: its end and counters never reached the manifest
    m = read_manifest(run)
    m["sessions"][0].update(ended=None, counters={})
    m["counters"] = {}
    (run / "manifest.json").write_text(json.dumps(m))
    kept = (run / "generations.jsonl").read_text().splitlines()[:1]
    (run / "generations.jsonl").write_text(kept[0] + "\n")  # and two of its cells were lost
    data.update(budget_usd=spent * 0.9, cache=False)  # already spent by the killed session; no cache answers
    resumed = run_experiment(ExperimentConfig.from_dict(data), run_dir=run, progress=False)
    assert resumed.budget_exhausted and resumed.cells_not_run == 2
    assert resumed.counters["provider_calls"] == 0 and server.count == 3
    m = read_manifest(run)
    assert m["sessions"][0]["counters"]["provider_calls"] == 3
    assert m["sessions"][0]["counters"]["spend_usd"] == pytest.approx(spent)
    assert m["counters"]["spend_usd"] == pytest.approx(spent) and m["counters"]["provider_calls"] == 3


def test_budget_stops_new_calls_and_a_resume_finishes(server, tmp_path):
    data = config_dict(server.api_base, tmp_path, tasks=[TASKS[0]], offline=False, seeds=[0, 1, 2],
                       concurrency={"global": 1}, budget_usd=0.0005)
    # worst case of a call: 400 output tokens at $1/Mtok = $0.0004 (prompts free): the first fits the budget,
    # the second does not once the first has spent more than $0.0001 (100 tokens)
    data["generators"][0]["price"] = {"input_per_mtok": 0.0, "output_per_mtok": 1.0}
    summary = run_experiment(ExperimentConfig.from_dict(data), progress=False)
    assert summary.budget_exhausted and summary.status == "partial"
    assert summary.cells_done == 1 and summary.cells_not_run == 2 and server.count == 1
    run = tmp_path / "results" / summary.run_id
    assert "budget" in (run / "run.log").read_text()
    data["budget_usd"] = None
    with pytest.raises(HarnessError, match="different config"):
        data2 = dict(data, seeds=[0, 1])
        run_experiment(ExperimentConfig.from_dict(data2), run_dir=run, progress=False)
    done = run_experiment(ExperimentConfig.from_dict(data), run_dir=run, progress=False)
    assert done.status == "complete" and done.cells_resumed == 1 and done.cells_run == 2
    assert len(read_manifest(run)["sessions"]) == 2 and read_scores(run)["cell"].n_unique() == 3


def test_secrets_never_reach_the_run_directory_or_cache(server, tmp_path, monkeypatch):
    key = "sk-test-PLANTEDKEY0123456789abcdef"
    monkeypatch.setenv("FAKEPROVIDER_API_KEY", key)
    data = config_dict(server.api_base, tmp_path, tasks=[TASKS[0]], offline=False)
    data["generators"][0]["params"]["extra"] = {"api_key": key}
    summary = run_experiment(ExperimentConfig.from_dict(data), progress=False)
    assert server.records and summary.cells_done == 1
    files = [p for p in (tmp_path / "results").rglob("*") if p.is_file()]
    files += [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert len(files) >= 6
    for p in files:
        assert key.encode() not in p.read_bytes(), p
