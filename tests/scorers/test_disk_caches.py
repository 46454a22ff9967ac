"""Disk caches of the scorers: embeddings by (model id, text hash), calibrations by (content, model+backend, code)."""

from __future__ import annotations

import numpy as np
import pytest

from harness.embeddings.store import EmbeddingStore
from harness.embeddings.encoder import DIM, Embedder, get_embedder, model_id
from harness.scorers import calibration_cache
from harness.scorers.calibration_cache import calibration_key, disk_cached
from harness.scorers.relevance import TopicCalibration


@pytest.fixture
def store(tmp_path):
    s = EmbeddingStore(tmp_path / "emb.sqlite", DIM)
    yield s
    s.close()


def test_vectors_come_back_from_disk_in_a_new_embedder_that_never_loads_the_model(store):
    texts = ["traffic forecasting", "galaxy clusters"]
    first = Embedder(disk_cache=store)
    first._model = get_embedder().model  # the process's loaded model
    v = first.encode(texts)
    second = Embedder(disk_cache=store)  # a new process: empty memory, model not loaded
    w = second.encode(texts + ["traffic forecasting"])
    assert np.array_equal(w[:2], v) and second.model_loads == 0 and second.disk_hits == 2
    assert second.encoded_texts == 0


def test_the_embedding_store_is_keyed_by_model_and_backend(store):
    torch_id, onnx_id = model_id("torch"), model_id("onnx")
    assert torch_id != onnx_id and "all-MiniLM-L6-v2" in torch_id and torch_id.endswith("|torch")
    store.put_many(torch_id, {"k": np.ones(DIM, dtype=np.float32)})
    assert set(store.get_many(torch_id, ["k", "missing"])) == {"k"}
    assert store.get_many(onnx_id, ["k"]) == {}


class _Embedder:
    """A stand-in that only carries a model id (the calibration below never embeds)."""

    def __init__(self, mid: str):
        self.model_id = mid


@pytest.fixture
def calls(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("HARNESS_DISK_CACHE", raising=False)
    calibration_cache.clear_memory()
    seen: list[str] = []
    yield seen
    calibration_cache.clear_memory()


def fake_calibrate(task, embedder):
    """Returns a real TopicCalibration with an array, counting how often it really runs."""
    fake_calibrate.seen.append(embedder.model_id)
    return TopicCalibration(task_id=task.id, topic_vec=np.arange(4, dtype=np.float32), threshold=0.31,
                            auroc_off_topic=0.97, auroc_near_topic=None, n_reference=3, n_near_topic=0,
                            n_off_topic=2, tpr=1.0)


def test_a_calibration_is_computed_once_then_read_from_disk(calls, tmp_path, stfm_task):
    fake_calibrate.seen = calls
    cached = disk_cached(fake_calibrate)
    emb = _Embedder(model_id("torch"))
    a = cached(stfm_task, emb)
    assert calls == [model_id("torch")] and len(list((tmp_path / "calibrations").glob("*.json"))) == 1
    calibration_cache.clear_memory()  # what a new process sees
    b = cached(stfm_task, emb)
    assert calls == [model_id("torch")]  # not recomputed
    assert b.threshold == a.threshold and b.auroc_near_topic is None and b.topic_vec.dtype == np.float32
    assert np.array_equal(b.topic_vec, a.topic_vec)


def test_calibrations_are_keyed_by_model_and_backend_and_task(calls, stfm_task, suite):
    fake_calibrate.seen = calls
    cached = disk_cached(fake_calibrate)
    cached(stfm_task, _Embedder(model_id("torch")))
    cached(stfm_task, _Embedder(model_id("onnx")))
    other = next(t for t in suite.values() if t.id != stfm_task.id)
    cached(other, _Embedder(model_id("torch")))
    assert calls == [model_id("torch"), model_id("onnx"), model_id("torch")]
    assert calibration_key(fake_calibrate, stfm_task, _Embedder("a|torch")) != calibration_key(
        fake_calibrate, stfm_task, _Embedder("a|onnx"))


def test_no_disk_cache_without_a_model_id_or_when_turned_off(calls, stfm_task, monkeypatch):
    fake_calibrate.seen = calls
    cached = disk_cached(fake_calibrate)

    class NoId:
        model_id = None

    assert calibration_key(fake_calibrate, stfm_task, NoId()) is None
    monkeypatch.setenv("HARNESS_DISK_CACHE", "0")
    cached(stfm_task, _Embedder("m|torch"))
    cached(stfm_task, _Embedder("m|torch"))
    assert len(calls) == 2


def test_the_real_topic_calibration_round_trips_through_disk(calls, stfm_task):
    from harness.scorers.relevance import calibrate

    emb = get_embedder()
    fresh = disk_cached(calibrate)(stfm_task, emb)
    calibration_cache.clear_memory()
    again = disk_cached(calibrate)(stfm_task, emb)
    assert again.details() == fresh.details() and np.array_equal(again.topic_vec, fresh.topic_vec)
    assert calibration_cache.stats["disk_hits"] >= 1


@pytest.fixture(scope="module")
def suite():
    from harness.tasks.suite import load_suite

    return load_suite()
