"""Secrets: planted API keys (one in the environment, one in the config) reach the provider but never any file
of the run directory, its report, or the response cache (SQLite read as bytes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.provider import FaultServer

ENV_KEY = "sk-test-PLANTED-env-4b1d8f6a0e5c7f3a9c2e"
# A config key in a shape none of the usual key patterns match (like a 32-character alphanumeric provider key).
CFG_KEY = "PLANTEDcfgKEY7f3a9c2e4b1d8f6a0e5"


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.timeout(120)
def test_planted_keys_never_written(fault_server: FaultServer, tmp_path: Path, tasks_dir: Path,
                                    monkeypatch: pytest.MonkeyPatch, warm_litellm: None) -> None:
    from harness.config import ExperimentConfig
    from harness.report import build_report
    from harness.runner import run_experiment

    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    # the provider rejects one call and, like real providers, echoes the key it was given in its error message
    fault_server.script(["auth"], match="speech recognition", model="sec-cfg")
    fault_server.script(["auth"], match="speech recognition", model="sec-env")
    price = {"input_per_mtok": 1.0, "output_per_mtok": 1.0}
    cfg = ExperimentConfig.from_dict({
        "name": "secrets", "tasks": ["rel-alpha", "rel-beta"], "tasks_dir": str(tasks_dir),
        "generators": [
            {"name": "with-config-key", "kind": "llm", "model": "openai/sec-cfg", "strategy": "zero_shot",
             "api_base": fault_server.api_base, "price": price,
             "params": {"extra": {"api_key": CFG_KEY}, "api_key": CFG_KEY}},
            {"name": "with-env-key", "kind": "llm", "model": "openai/sec-env", "strategy": "plan_then_write",
             "api_base": fault_server.api_base, "price": price},
            {"name": "offline", "kind": "extractive"},
        ],
        "seeds": [0], "timeout_s": 5, "retries": {"max_attempts": 2, "base_delay_s": 0.05},
        "scorers": {"families": ["coverage", "length", "cost", "structure"]},
        "output_dir": str(tmp_path / "results"), "cache_dir": str(tmp_path / "cache"),
    })
    summary = run_experiment(cfg, progress=False)
    run_dir = Path(summary.run_dir)
    build_report(run_dir, formats="md,tex,html")

    # the keys were really used: the server saw both
    seen = " ".join(fault_server.state.auth)
    assert CFG_KEY in seen, "the config's api_key never reached the provider"
    assert ENV_KEY in seen, "the environment's OPENAI_API_KEY never reached the provider"
    assert summary.cells_failed == 2  # the two rejected calls (401 is not retried)

    files = _files(run_dir) + _files(tmp_path / "cache")
    names = {p.name for p in files}
    assert {"manifest.json", "generations.jsonl", "errors.jsonl", "run.log"} <= names, names
    assert any(n.endswith(".sqlite") for n in names) and any(p.suffix == ".html" for p in files)
    leaks = []
    for p in files:
        data = p.read_bytes()
        for key in (ENV_KEY, CFG_KEY):
            for form in (key.encode(), key.encode("utf-16-le")):
                if form in data:
                    leaks.append(f"{p.relative_to(tmp_path)} holds {key[:18]}...")
    assert not leaks, "planted API keys written to disk:\n" + "\n".join(sorted(set(leaks)))
