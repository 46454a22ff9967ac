"""Whole-cell reuse: a warm rerun is served from the cache line by line, with no generator, provider or model."""

from __future__ import annotations

import json

import pytest

from harness.runner import run_experiment
from harness.llm.cache import ResponseCache
from harness.generators.base import Generation
from harness.runner.cell_cache import CellHit, cell_key, code_fingerprint
from harness.runner.store import read_generations, read_manifest, read_scores

from .helpers import TASKS, make_config


def _no_generators(spec):  # a warm rerun must not build a generator for a cell it finds whole
    raise AssertionError(f"generator {spec.name} built on a warm rerun")


def test_a_warm_rerun_serves_every_cell_whole_without_generators_provider_or_model(server, tmp_path, monkeypatch):
    cfg = make_config(server.api_base, tmp_path, seeds=[0, 1], scorers={"families": ["length", "structure"]})
    first = run_experiment(cfg, progress=False)
    calls = server.count
    assert first.status == "complete" and calls == 4

    import harness.embeddings.encoder
    import harness.generators

    monkeypatch.setattr(harness.generators, "build_generator", _no_generators)
    monkeypatch.setattr(harness.embeddings.encoder.Embedder, "_load",
                        lambda self: (_ for _ in ()).throw(AssertionError("model loaded on a warm rerun")))
    second = run_experiment(cfg, progress=False)
    assert second.status == "complete" and second.cells_done == 12 and server.count == calls
    assert second.counters["provider_calls"] == 0 and second.counters["cache_hits"] == 4
    assert second.cells_cached == 4  # the LLM cells; offline cells have no call to be cached
    assert read_manifest(second.run_dir)["counters"]["cache_hits"] == 4

    a, b = read_generations(first.run_dir), read_generations(second.run_dir)
    assert set(a) == set(b)
    for cell, gen in a.items():
        again = b[cell]
        assert again.review == gen.review and again.prompts == gen.prompts
        assert all(c.cached and c.attempts == 1 for c in again.calls)
        assert [c.prompt_hash for c in again.calls] == [c.prompt_hash for c in gen.calls]


def test_a_rerun_with_scores_scores_the_reused_cells(server, tmp_path):
    cfg = make_config(server.api_base, tmp_path)
    first = run_experiment(cfg, progress=False)
    second = run_experiment(cfg, progress=False)
    assert second.score_rows == first.score_rows > 0


def test_a_cell_with_an_empty_reply_is_asked_for_again(server, tmp_path):
    server.script(["empty"])  # the response cache keeps no empty reply, so neither does the cell cache
    cfg = make_config(server.api_base, tmp_path, tasks=[TASKS[0]], offline=False, scorers={"families": ["length"]})
    run_experiment(cfg, progress=False)
    asked = server.count
    again = run_experiment(cfg, progress=False)
    assert server.count == asked + 1 and again.counters["provider_calls"] == 1
    run_experiment(cfg, progress=False)  # now a real answer is stored: served whole
    assert server.count == asked + 1


def test_the_cell_key_changes_with_what_determines_the_generation(suite_tasks):
    from harness.generators.base import GeneratorSpec

    task, other = suite_tasks[TASKS[0]], suite_tasks[TASKS[1]]
    spec = GeneratorSpec(name="g", kind="llm", model="openai/x", strategy="zero_shot", params={"max_tokens": 9})
    key = cell_key(spec, task, 0)
    assert key == cell_key(spec, task, 0) and len(key) == 64
    assert cell_key(spec, task, 1) != key
    assert cell_key(spec, other, 0) != key
    assert cell_key(spec.model_copy(update={"params": {"max_tokens": 10}}), task, 0) != key
    assert cell_key(spec.model_copy(update={"name": "h"}), task, 0) != key
    assert cell_key(spec, task.model_copy(update={"topic": task.topic + "!", "content_hash": None}), 0) != key
    assert cell_key(GeneratorSpec(name="r", kind="replay", replay="x/*.md"), task, 0) is None
    assert len(code_fingerprint()) == 64


def test_the_key_of_an_embedding_generator_names_the_embedding_backend(suite_tasks, monkeypatch):
    from harness.generators.base import GeneratorSpec

    spec = GeneratorSpec(name="e", kind="extractive")
    torch_key = cell_key(spec, suite_tasks[TASKS[0]], 0)
    monkeypatch.setenv("HARNESS_EMBED_BACKEND", "onnx")
    assert cell_key(spec, suite_tasks[TASKS[0]], 0) != torch_key


def test_cache_clear_also_forgets_cells(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    cache.put_cell("k", "g", json.dumps({"cell": "t|g|0"}), 1)
    assert cache.get_cell("k") == (json.dumps({"cell": "t|g|0"}), 1) and cache.stats()["cells"] == 1
    cache.clear()
    assert cache.get_cell("k") is None and cache.stats()["cells"] == 0
    cache.close()


@pytest.fixture(scope="module")
def suite_tasks():
    from harness.tasks.suite import load_suite

    return load_suite()


@pytest.mark.driver_state  # reads this process's embedder counters
def test_a_rerun_in_a_new_process_scores_from_the_disk_caches_without_loading_the_model(tmp_path, monkeypatch):
    """Embeddings and calibrations come from disk: a second process recalibrates nothing and loads no model."""
    import harness.embeddings.encoder as embeddings
    from harness.config import ExperimentConfig
    from harness.scorers import calibration_cache, relevance, support_similarity

    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("HARNESS_DISK_CACHE", raising=False)

    def new_process():
        monkeypatch.setattr(embeddings, "_embedder", None)
        calibration_cache.clear_memory()
        relevance._CACHE.clear()
        support_similarity._CACHE.clear()

    cfg = ExperimentConfig.from_dict({
        "name": "disk", "tasks": [TASKS[0]], "seeds": [0],
        # the newest papers: mostly outside the bibliography, with abstracts, so titles and sentences are embedded
        "generators": [{"name": "recent", "kind": "recent_papers", "k": 8}],
        "scorers": {"families": ["citations"]}, "output_dir": str(tmp_path / "results"),
        "cache_dir": str(tmp_path / "cache")})
    new_process()
    first = run_experiment(cfg, progress=False)
    new_process()
    computed = calibration_cache.stats["computed"]
    monkeypatch.setattr(embeddings.Embedder, "_load",
                        lambda self: (_ for _ in ()).throw(AssertionError("model loaded on a warm rerun")))
    second = run_experiment(cfg, progress=False)
    assert calibration_cache.stats["computed"] == computed  # nothing recalibrated
    e = embeddings.get_embedder()
    assert e.disk_hits > 0 and e.model_loads == 0 and e.encoded_texts == 0
    a = {r["score"]: r["value"] for r in read_scores(first.run_dir).to_dicts()}
    b = {r["score"]: r["value"] for r in read_scores(second.run_dir).to_dicts()}
    assert a == b and a["citations.on_topic_rate"] is not None


def test_a_cached_line_parses_to_its_generation_whatever_its_json_spacing():
    """CellHit.generation drops the line's leading cell key and validates the rest straight from JSON; a line
    written with json's default separators (spaces) parses to the same Generation as a compact one."""
    gen = Generation(task_id="t", generator="g", seed=3, error='a "quoted" failure', flags=["provider_error"])
    record = {"cell": 't|g"x|3', **gen.model_dump(mode="json")}
    for line in (json.dumps(record, separators=(",", ":")), json.dumps(record)):
        assert CellHit(line, 0).generation() == gen
