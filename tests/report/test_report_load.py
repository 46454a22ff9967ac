"""Reading run directories: torn jsonl tails, missing files, bad rows."""

from __future__ import annotations

import polars as pl
import pytest

from harness.core.errors import HarnessError
from harness.report.load import load_run, normalize_scores, read_generations, read_jsonl


def test_load_run_reads_all_three_files(make_run):
    run = load_run(make_run("r1", tasks=["rag-llm-survey"], seeds=(0,)))
    assert run.run_id == "r1"
    assert {g["generator"] for g in run.generations} == {"extractive", "gpt-pw"}
    assert run.scores.schema["seed"] == pl.Int64
    assert set(run.scores["status"].unique()) == {"ok"}


def test_a_torn_last_line_is_skipped(make_run):
    run = make_run("torn", tasks=["rag-llm-survey"], seeds=(0,), torn_tail=True)
    assert len(read_generations(run)) == 2


def test_a_bad_line_in_the_middle_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / "generations.jsonl"
    path.write_text('{"cell": "a"}\n{oops\n{"cell": "b"}\n')
    with pytest.raises(HarnessError) as exc:
        read_jsonl(path)
    assert exc.value.line == 2 and "generations.jsonl" in str(exc.value)


def test_missing_run_dir_and_scores_are_user_errors(tmp_path):
    with pytest.raises(HarnessError, match="run directory not found"):
        load_run(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(HarnessError, match="not a run directory"):
        load_run(tmp_path / "empty")


def test_unknown_status_is_rejected(tmp_path):
    df = pl.DataFrame({"cell": ["t|g|0"], "task_id": ["t"], "generator": ["g"], "seed": [0], "score": ["x"],
                       "value": [1.0], "status": ["maybe"], "explanation": [""], "details": ["{}"]})
    with pytest.raises(HarnessError, match="unknown status"):
        normalize_scores(df, tmp_path / "scores.parquet")
