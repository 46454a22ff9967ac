"""Provider faults: a matrix run with REAL litellm over HTTP against the fault server.

Every cell ends scored or with a recorded error naming its cause; retries happen and honour Retry-After;
no error (and no empty reply) is cached, so a rerun re-requests exactly the failed calls; the run's totals
(cells, errors, calls, retries, spend) are exact, computed from what the server actually answered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakes.provider import FaultServer

PRICE_IN, PRICE_OUT = 1.5, 4.0  # USD per million tokens (user-set: the fault models are not in litellm's map)
TOPICS = {"rel-alpha": "graph neural networks", "rel-beta": "speech recognition"}
GENS = {  # generator name -> (model served, strategy, mode)
    "g-chat": ("fault-chat", "zero_shot", "chat"),
    "g-plan": ("fault-plan", "plan_then_write", "chat"),
    "g-comp": ("fault-comp", "zero_shot", "completion"),
    "g-empty": ("fault-empty", "zero_shot", "chat"),
}
RETRY_AFTER = 1.0


def fault_config(server: FaultServer, tmp: Path, tasks_dir: Path, out: str = "results", **extra: Any):
    """The experiment: 2 tasks x 4 litellm generators x 1 seed against the fault server; fast scorers."""
    from harness.config import ExperimentConfig

    gens = [{"name": name, "kind": "llm", "model": f"openai/{model}", "strategy": strategy, "mode": mode,
             "api_base": server.api_base, "price": {"input_per_mtok": PRICE_IN, "output_per_mtok": PRICE_OUT},
             "params": {"max_tokens": 600}}
            for name, (model, strategy, mode) in GENS.items()]
    data = {"name": "faults", "tasks": list(TOPICS), "tasks_dir": str(tasks_dir), "generators": gens,
            "seeds": [0], "concurrency": {"global": 4}, "timeout_s": 5.0,
            "retries": {"max_attempts": 3, "base_delay_s": 0.05, "max_delay_s": 5.0},
            "output_dir": str(tmp / out), "cache_dir": str(tmp / "cache"), "scorers": {"families": fast_families()},
            **extra}
    return ExperimentConfig.from_dict(data)


def fast_families() -> list[str]:
    """Scorer families that need neither a judge model nor sentence embeddings (keeps the suite fast)."""
    from harness.scorers import FAMILIES

    slow = ("judge", "support", "relevance", "overlap", "plan")
    return [f for f in FAMILIES if not any(s in f for s in slow)]


def script_faults(server: FaultServer) -> None:
    """One fault kind per cell (topic x model); a scripted list is served first, then normal answers."""
    a, b = TOPICS["rel-alpha"], TOPICS["rel-beta"]
    server.script(["429", "429"], match=a, model="fault-chat", retry_after=RETRY_AFTER)
    server.script(["500", "503"], match=b, model="fault-chat")
    server.script(["malformed"], match=a, model="fault-comp")
    server.script(["drop"], match=b, model="fault-comp")
    server.script(["hang"], match=a, model="fault-plan")
    server.script(["500", "500", "500"], match=b, model="fault-plan")  # outlives max_attempts=3: cell fails
    server.script(["empty"], match=a, model="fault-empty")  # a defined result, never cached


def expected_spend(records) -> float:
    """What the delivered answers cost at the user-set price."""
    return sum((r.usage[0] * PRICE_IN + r.usage[1] * PRICE_OUT) / 1e6 for r in records if r.usage)


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), f"{path.name}: torn last line"
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.timeout(150)
def test_fault_matrix_retries_errors_cache_and_totals(fault_server: FaultServer, tmp_path: Path,
                                                      tasks_dir: Path, warm_litellm: None) -> None:
    from harness.runner import run_experiment
    from harness.runner.store import read_generations, read_manifest, read_scores

    script_faults(fault_server)
    cfg = fault_config(fault_server, tmp_path, tasks_dir)
    summary = run_experiment(cfg, progress=False)
    run_dir = Path(summary.run_dir)
    records = fault_server.records
    a, b = TOPICS["rel-alpha"], TOPICS["rel-beta"]

    # ---- every cell ends scored or with a recorded error naming its cause -----------------------------------
    cells = {f"{t}|{g}|0" for t in TOPICS for g in GENS}
    gens = {c.key: g for c, g in read_generations(run_dir).items()}
    assert set(gens) == cells
    failed = {c for c, g in gens.items() if g.review is None or g.error}
    assert failed == {"rel-beta|g-plan|0"}, {c: gens[c].error for c in failed}
    errors = _jsonl(run_dir / "errors.jsonl")
    assert [e["cell"] for e in errors] == ["rel-beta|g-plan|0"]
    assert "500" in errors[0]["error"] and "3 attempts" in errors[0]["error"], errors[0]
    scores = read_scores(run_dir)
    assert scores.select(["cell", "score"]).is_duplicated().sum() == 0
    for cell in cells:
        rows = scores.filter(scores["cell"] == cell)
        if cell in failed:
            assert rows.height > 0 and set(rows["status"].to_list()) == {"error"}, rows.to_dicts()
            assert all("500" in e for e in rows["explanation"].to_list())
        else:
            assert (rows["status"] == "ok").sum() > 0, f"{cell} has no ok score: {rows.to_dicts()}"
    empty_cell = gens["rel-alpha|g-empty|0"]
    assert empty_cell.review is not None and any("empty" in f for f in empty_cell.flags), empty_cell.flags

    # ---- retries happened and honoured Retry-After -----------------------------------------------------------
    def served(topic: str, model: str) -> list[str]:
        return [r.fault for r in fault_server.requests_matching(topic, model)]

    assert served(a, "fault-chat") == ["429", "429", "ok"]
    assert served(b, "fault-chat") == ["500", "503", "ok"]
    assert served(a, "fault-comp") == ["malformed", "ok"]
    assert served(b, "fault-comp") == ["drop", "ok"]
    assert served(a, "fault-plan") == ["hang", "ok", "ok"]  # plan stage timed out once, then plan + write
    assert served(b, "fault-plan") == ["500", "500", "500"]
    assert served(a, "fault-empty") == ["empty"]
    rl = fault_server.requests_matching(a, "fault-chat")
    assert len({r.body_sha for r in rl}) == 1, "a retry must resend the same request"
    gaps = [y.t - x.t for x, y in zip(rl, rl[1:])]
    assert all(g >= RETRY_AFTER - 0.01 for g in gaps), f"Retry-After {RETRY_AFTER}s not honoured: gaps {gaps}"
    assert gens["rel-alpha|g-chat|0"].calls[0].attempts == 3

    # ---- the run's totals are exact ------------------------------------------------------------------------
    m = read_manifest(run_dir)
    counters = m["counters"]
    assert counters["provider_calls"] == len(records)
    assert counters["retries"] == 2 + 2 + 1 + 1 + 1 + 2
    assert counters["errors"] == 1
    assert counters["cache_hits"] == 0
    assert counters["spend_usd"] == pytest.approx(expected_spend(records), rel=1e-9, abs=1e-12)
    assert expected_spend(records) > 0
    assert summary.cells_total == 8 and summary.cells_done == 8 and summary.cells_failed == 1
    per_cell_cost = sum(c.cost_usd or 0 for g in gens.values() for c in g.calls)
    assert per_cell_cost == pytest.approx(expected_spend(records), rel=1e-9, abs=1e-12)

    # ---- no error was cached: a rerun (same cache) re-requests only the failed and empty calls -------------------
    before = len(records)
    again = run_experiment(cfg, progress=False)
    new = fault_server.records[before:]
    assert Path(again.run_dir) != run_dir
    assert sorted((r.model, r.fault) for r in new) == [("fault-empty", "ok"), ("fault-plan", "ok"),
                                                       ("fault-plan", "ok")], [(r.model, r.fault) for r in new]
    assert all(b in r.prompt for r in new if r.model == "fault-plan")
    m2 = read_manifest(again.run_dir)["counters"]
    assert m2["provider_calls"] == 3 and m2["errors"] == 0 and m2["retries"] == 0
    assert m2["cache_hits"] == 1 + 1 + 1 + 1 + 2 + 1  # every call of the cells that succeeded with text
    assert m2["spend_usd"] == pytest.approx(expected_spend(new), rel=1e-9, abs=1e-12)
    assert again.cells_failed == 0 and again.cells_done == 8


@pytest.mark.timeout(90)
def test_resume_retries_cells_that_failed(fault_server: FaultServer, tmp_path: Path, tasks_dir: Path,
                                          warm_litellm: None) -> None:
    """After a provider outage, resuming the run directory retries the failed cells (an error is not a result)."""
    from harness.runner import run_experiment
    from harness.runner.store import read_generations, read_scores

    b = TOPICS["rel-beta"]
    fault_server.script(["503"] * 3, match=b, model="fault-chat")
    cfg = fault_config(fault_server, tmp_path, tasks_dir)
    first = run_experiment(cfg, progress=False)
    assert first.cells_failed == 1
    resumed = run_experiment(cfg, run_dir=first.run_dir, progress=False)
    gens = {c.key: g for c, g in read_generations(first.run_dir).items()}
    assert gens["rel-beta|g-chat|0"].review is not None, \
        f"resume kept the failed cell as done: {gens['rel-beta|g-chat|0'].error}"
    rows = read_scores(first.run_dir)
    cell_rows = rows.filter(rows["cell"] == "rel-beta|g-chat|0")
    assert (cell_rows["status"] == "ok").sum() > 0 and "generation" not in cell_rows["score"].to_list()
    assert resumed.cells_failed == 0
