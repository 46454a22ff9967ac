"""Run directories in the runner's on-disk schema, built from the real data model, for report and compare tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl
import pytest

from harness.generators.base import Generation
from harness.models import ReferenceEntry, Review, Score, StageUsage, Usage
from harness.readers.markdown import review_from_markdown

TASKS = ["stfm-since-2024", "rag-llm-survey", "llm-hallucination-survey", "llm-evaluation-survey",
         "multimodal-llm-survey", "generative-diffusion-survey"]

REFS = [
    ("1", "2310.10196", "Large Models for Time Series and Spatio-Temporal Data: A Survey and Outlook"),
    ("2", "2506.01364", "Unraveling Spatio-Temporal Foundation Models via the Pipeline Lens"),
    ("3", None, "A Made-Up Paper That Resolves To Nothing"),
    ("4", "2501.00001", "Dark Matter Halos in Dwarf Galaxies"),
]
VERDICT_OF = {"1": "on-topic", "2": "on-topic", "3": "unresolved", "4": "off-topic"}


def review_text(extra: str = "") -> str:
    return (
        "# Spatio-temporal foundation models\n\n"
        "## Introduction\n\n"
        "Foundation models now forecast traffic and weather [1]. Pipelines differ in tokenisation [1, 2].\n"
        "Some work is hard to trace [3] and some is off topic [4]; one marker points nowhere [9].\n\n"
        f"{extra}\n\n"
        "## References\n\n"
        + "\n".join(f"[{k}] {t}" for k, _a, t in REFS) + "\n"
    )


def make_review(extra: str = "", cost: float | None = 0.0012) -> Review:
    refs = [ReferenceEntry(key=k, raw=f"[{k}] {t}", title=t, arxiv_id=a, paper_id=a) for k, a, t in REFS]
    return Review(
        source_format="markdown", text=review_text(extra), title="Spatio-temporal foundation models",
        references=refs,
        citations=review_from_markdown(review_text(extra), "markdown").citations,  # what the reader finds
        usage=Usage(stages=[StageUsage(name="write", input_tokens=900, output_tokens=400, cost_usd=cost)],
                    input_tokens=900, output_tokens=400, cost_usd=cost, cost_source="litellm",
                    model="openai/gpt-4o-mini"),
        finish_reason="stop",
    )


GENERATORS = [
    {"name": "extractive", "kind": "extractive", "model": None, "strategy": None, "price": None},
    {"name": "gpt-pw", "kind": "llm", "model": "openai/gpt-4o-mini", "strategy": "plan_then_write",
     "price": None},
]

# per generator: mean of each metric (None: not applicable everywhere)
PROFILES = {
    "extractive": {"coverage.recall": 0.30, "citations.on_topic_rate": 0.90, "citations.support_rate": 0.60,
                   "length.in_target": 1.0, "length.truncated": 0.0, "cost.usd": 0.0},
    "gpt-pw": {"coverage.recall": 0.45, "citations.on_topic_rate": 0.75, "citations.support_rate": 0.55,
               "length.in_target": 0.5, "length.truncated": 0.5, "cost.usd": 0.004},
}


def _scores_for(task: str, gen: str, seed: int, profile: dict[str, float], rng: np.random.Generator,
                shift: dict[str, float], na: set[str]) -> list[Score]:
    out = []
    for name, mean in profile.items():
        if name in na:
            out.append(Score.na(name, "no abstracts to judge support against"))
            continue
        if name in ("length.in_target", "length.truncated"):
            value = float(rng.random() < mean)
        elif name == "cost.usd":
            value = max(0.0, mean * (1 + 0.1 * rng.standard_normal())) if mean else 0.0
        else:
            value = float(np.clip(mean + 0.05 * rng.standard_normal() + shift.get(name, 0.0), 0, 1))
        details = {}
        if name == "citations.on_topic_rate":
            details["verdicts"] = [{"key": k, "paper_id": a, "verdict": VERDICT_OF[k], "title": t}
                                   for k, a, t in REFS]
        out.append(Score.ok(name, value, f"{name} for {task}", **details))
    return out


def _manifest(run_id: str, gens: list[dict], tasks: list[str], seeds: tuple[int, ...]) -> dict:
    """The manifest as the runner writes it (its own build_manifest), with counters filled in."""
    from harness.config import ExperimentConfig
    from harness.runner.manifest import build_manifest

    specs = [{k: v for k, v in g.items() if v is not None} for g in gens]
    config = ExperimentConfig.model_validate({"name": run_id, "generators": specs, "seeds": list(seeds),
                                              "tasks": tasks})
    cells = [f"{t}|{g['name']}|{s}" for t in tasks for g in gens for s in seeds]
    manifest = build_manifest(config, run_id, {}, cells)
    manifest["tasks"] = {t: {"content_hash": f"{i:064x}"} for i, t in enumerate(tasks)}
    manifest.update(status="complete", counters={"cells_done": len(cells), "errors": 0, "spend_usd": 0.05})
    return manifest


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    """make_run(name, shift={metric: delta}, ...) -> a run dir with manifest.json, generations.jsonl, scores.parquet."""

    def _make(name: str = "run-a", *, shift: dict[str, float] | None = None, seeds: tuple[int, ...] = (0, 1),
              tasks: list[str] | None = None, generators: list[dict] | None = None, extra_text: str = "",
              na: dict[tuple[str, str], set[str]] | None = None, data_seed: int = 7,
              torn_tail: bool = False) -> Path:
        run = tmp_path / name
        run.mkdir()
        gens = generators or GENERATORS
        tasks_ = tasks or TASKS
        rng = np.random.default_rng(data_seed)
        (run / "manifest.json").write_text(json.dumps(_manifest(name, gens, tasks_, seeds), indent=2))
        rows, lines = [], []
        for task in tasks_:
            for g in gens:
                for seed in seeds:
                    cell = f"{task}|{g['name']}|{seed}"
                    profile = PROFILES.get(g["name"], PROFILES["extractive"])
                    review = make_review(extra_text, cost=profile["cost.usd"])
                    gen = Generation(task_id=task, generator=g["name"], seed=seed, review=review)
                    lines.append(json.dumps({**gen.model_dump(mode="json"), "cell": cell}))
                    nas = (na or {}).get((task, g["name"]), set())
                    for s in _scores_for(task, g["name"], seed, profile, rng, shift or {}, nas):
                        rows.append({"cell": cell, "task_id": task, "generator": g["name"], "seed": seed,
                                     "score": s.name, "value": s.value, "status": s.status,
                                     "explanation": s.explanation, "details": json.dumps(s.details)})
        text = "\n".join(lines) + "\n"
        if torn_tail:
            text += lines[0][: len(lines[0]) // 2]  # an append cut by a kill: no newline, half a record
        (run / "generations.jsonl").write_text(text)
        schema = {"cell": pl.Utf8, "task_id": pl.Utf8, "generator": pl.Utf8, "seed": pl.Int64, "score": pl.Utf8,
                  "value": pl.Float64, "status": pl.Utf8, "explanation": pl.Utf8, "details": pl.Utf8}
        pl.DataFrame(rows, schema=schema).write_parquet(run / "scores.parquet")
        return run

    return _make
