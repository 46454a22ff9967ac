"""harness compare refuses support scores made by different judges (method, model or prompt)."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.compare import compare
from harness.core.errors import HarnessError


def _judged_by(run, method: str, model: str | None) -> None:
    """Rewrite the run's support rows as if made by `method` / `model`."""
    df = pl.read_parquet(run / "scores.parquet")
    det = [json.dumps({**json.loads(d), "method": method, "model": model}) if s.startswith("citations.support")
           else d for s, d in zip(df["score"].to_list(), df["details"].to_list())]
    df.with_columns(pl.Series("details", det)).write_parquet(run / "scores.parquet")


def test_support_scores_of_different_methods_or_models_are_not_compared(make_run):
    base, cand, llm_a, llm_b = (make_run(n) for n in ("base", "cand", "llm-a", "llm-b"))
    _judged_by(base, "similarity", "minilm")
    _judged_by(cand, "nli", "cross-encoder/nli-deberta-v3-xsmall")
    with pytest.raises(HarnessError, match="similarity .* in the baseline and by nli"):
        compare(base, cand, gates={"citations.support_rate": 0.05})
    out = CliRunner().invoke(app, ["compare", str(base), str(cand), "--metric", "citations.support_rate",
                                   "--max-drop", "0.05"])
    assert out.exit_code == 2 and "cannot compare citations.support_rate" in out.output
    # without asking for it, the other metrics are compared and the support one is named as left out
    result = compare(base, cand, gates={"coverage.recall": 0.5})
    assert "citations.support_rate" not in {r.metric for r in result.rows}
    assert any("not compared: citations.support_rate" in n for n in result.notes)
    _judged_by(llm_a, "llm", "openai/gpt-4o-mini")
    _judged_by(llm_b, "llm", "anthropic/claude-3-5-haiku-20241022")
    with pytest.raises(HarnessError, match="gpt-4o-mini"):
        compare(llm_a, llm_b, metrics=["citations.support_rate"])
    _judged_by(llm_b, "llm", "openai/gpt-4o-mini")
    same = compare(llm_a, llm_b, gates={"citations.support_rate": 0.5})
    assert any(r.metric == "citations.support_rate" and r.n_pairs for r in same.rows)
