"""A small offline matrix (extractive / recent_papers / replay on two small tasks) and an exact comparison of
two runs of it, shared by the executor tests (local threads, worker processes, Ray)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.reliability.conftest import small_task

TASKS = (("ex-alpha", "graph neural networks", 0), ("ex-beta", "speech recognition", 50))
FAMILIES = ["coverage", "citations", "length", "structure", "cost"]  # coverage and citations embed
VOLATILE = ("latency", "wall", "time")  # score names that measure time


def write_suite(tmp: Path) -> tuple[Path, Path]:
    """tasks/*.json and a replay directory holding one recorded markdown review per task."""
    tasks, replay = tmp / "tasks", tmp / "replay"
    tasks.mkdir()
    replay.mkdir()
    for tid, topic, off in TASKS:
        task = small_task(tid, topic, offset=off)
        (tasks / f"{tid}.json").write_text(json.dumps(task, indent=1), encoding="utf-8")
        papers = task["papers"][:4]
        body = " ".join(f"{p['title']} is studied [{i}]." for i, p in enumerate(papers, 1))
        refs = "\n".join(f"[{i}] {p['title']}. {p['year']}." for i, p in enumerate(papers, 1))
        (replay / f"{tid}.md").write_text(f"# A review of {topic}\n\n## Methods\n\n{body}\n\n## References\n\n{refs}\n",
                                          encoding="utf-8")
    return tasks, replay


def config_dict(tmp: Path, tasks: Path, replay: Path, name: str, seeds: int = 2) -> dict[str, Any]:
    """2 tasks x 3 offline generators x seeds cells, scored by embedding and text families."""
    return {"name": "executors", "tasks": [t for t, _, _ in TASKS], "tasks_dir": str(tasks),
            "generators": [{"name": "extractive", "kind": "extractive", "k": 6, "params": {"relevance": "bm25"}},
                           {"name": "recent", "kind": "recent_papers", "k": 6},
                           {"name": "replayed", "kind": "replay", "replay": str(replay)}],
            "seeds": list(range(seeds)), "scorers": {"families": FAMILIES}, "concurrency": {"global": 4},
            "output_dir": str(tmp / name / "results"), "cache_dir": str(tmp / name / "cache")}


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _untimed(value: Any) -> Any:
    """A record without its timing fields (latency_s and the like differ between any two runs)."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if not any(t in k for t in VOLATILE)}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def results(run_dir: Path) -> dict[str, Any]:
    """Every stored cell's review and every (cell, score) row's value, status and details, timing left out."""
    from harness.runner.store import iter_jsonl, read_scores

    gens = {}
    for rec in iter_jsonl(run_dir / "generations.jsonl"):
        assert rec["cell"] not in gens, f"duplicate generation row for {rec['cell']}"
        gens[rec["cell"]] = json.dumps(_untimed([rec.get("review"), rec.get("error")]), sort_keys=True)
    df = read_scores(run_dir)
    assert df.select(["cell", "score"]).is_duplicated().sum() == 0, "duplicate (cell, score) rows"
    scores = {(r["cell"], r["score"]): (r["value"], r["status"], r["explanation"], r["details"])
              for r in df.iter_rows(named=True) if not any(v in r["score"] for v in VOLATILE)}
    return {"generations": gens, "scores": scores}
