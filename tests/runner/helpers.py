"""Small builders shared by the runner tests: a real-task config against the local test server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.config import ExperimentConfig

TASKS = ["llm-hallucination-survey", "rag-llm-survey"]
FAMILIES = ["length", "cost", "structure"]  # offline and fast (no embedding model needed)


def config_dict(api_base: str, tmp: Path, *, seeds: list[int] | None = None, tasks: list[str] | None = None,
                llm: int = 1, offline: bool = True, **over: Any) -> dict[str, Any]:
    """tasks x ([llm] openai/fake-N through the test server + extractive/recent_papers baselines) x seeds."""
    gens: list[dict[str, Any]] = [
        {"name": f"fake-{i}", "kind": "llm", "model": f"openai/fake-{i}", "api_base": api_base, "mode": "chat",
         "strategy": "zero_shot", "pool": {"method": "recent", "k": 8}, "params": {"max_tokens": 400}}
        for i in range(llm)
    ]
    if offline:
        gens += [{"name": "extractive", "kind": "extractive", "k": 8, "params": {"relevance": "bm25"}},
                 {"name": "recent", "kind": "recent_papers", "k": 8}]
    data = {
        "name": "runner-test",
        "tasks": tasks or TASKS,
        "generators": gens,
        "seeds": seeds or [0],
        "scorers": {"families": FAMILIES},
        "concurrency": {"global": 4},
        "retries": {"max_attempts": 3, "base_delay_s": 0.01, "max_delay_s": 0.05},
        "timeout_s": 10,
        "output_dir": str(tmp / "results"),
        "cache_dir": str(tmp / "cache"),
    }
    data.update(over)
    return data


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def make_config(api_base: str, tmp: Path, **kw: Any) -> ExperimentConfig:
    return ExperimentConfig.from_dict(config_dict(api_base, tmp, **kw))
