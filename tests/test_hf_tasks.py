"""The suite as a `datasets` dataset: export, load back (`hf:DIR`) with identical content, use from a config."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.tasks.suite import get_task, load_suite

runner = CliRunner()
GEN = "generators: [{name: ex, kind: extractive}]\n"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("hf") / "suite"
    res = runner.invoke(app, ["tasks", "export", str(out), "--format", "hf"])
    assert res.exit_code == 0, res.output
    return out


def test_round_trip_keeps_every_task_and_its_content_hash(exported):
    shipped = load_suite()
    back = load_suite(f"hf:{exported}")
    assert list(back) == list(shipped)
    for tid, task in shipped.items():
        assert back[tid].content_hash == task.content_hash == back[tid].compute_hash()
        assert back[tid].model_dump(mode="json") == task.model_dump(mode="json")


def test_tables_are_plain_datasets_configs(exported):
    import datasets

    pool = datasets.load_dataset(str(exported), "pool", split="train", cache_dir=str(exported.parent / "cache"))
    assert pool.column_names == ["task_id", "position", "paper_id", "role"]
    assert len(pool) == sum(len(t.pool) for t in load_suite().values())


def test_config_tasks_hf_loads_the_dataset(exported):
    cfg = ExperimentConfig.from_text(f"tasks: hf:{exported}\n" + GEN)
    assert cfg.tasks_dir == f"hf:{exported}" and cfg.tasks == ["all"]
    assert cfg.task_ids(list(load_suite(cfg.tasks_dir))) == list(load_suite())
    cfg = ExperimentConfig.from_text(f"tasks: [hf:{exported}, 'rag-*']\n" + GEN)
    assert cfg.task_ids(list(load_suite(cfg.tasks_dir))) == ["rag-llm-survey"]
    assert get_task("rag-llm-survey", cfg.tasks_dir).content_hash == get_task("rag-llm-survey").content_hash
    with pytest.raises(HarnessError):
        ExperimentConfig.from_text(f"tasks: hf:{exported}\ntasks_dir: tasks\n" + GEN)


def test_a_missing_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(HarnessError, match="data/tasks.parquet is missing"):
        load_suite(f"hf:{tmp_path}")


def test_validate_and_list_read_an_export(exported):
    res = runner.invoke(app, ["tasks", "validate", f"hf:{exported}"])
    assert res.exit_code == 0 and f"ok {len(load_suite())} tasks" in res.output
    res = runner.invoke(app, ["tasks", "list", "--json", "--dir", f"hf:{exported}"])
    assert res.exit_code == 0 and [r["id"] for r in __import__("json").loads(res.stdout)] == list(load_suite())
