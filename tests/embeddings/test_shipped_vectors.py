"""The package's vectors of the suite's texts (harness/data/embeddings): current, equal to computing, used."""

from __future__ import annotations

import numpy as np
import pytest

from harness.embeddings.encoder import Embedder, model_id
from harness.embeddings.shipped import shipped_file, shipped_vectors, write_shipped
from harness.generators.pool_select import paper_text, pool_texts
from harness.scorers.context import ScoringSuite
from harness.scorers.suite_texts import suite_texts
from harness.tasks.suite import load_suite

TORCH = model_id("torch")


@pytest.fixture
def cold_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("HARNESS_DISK_CACHE", raising=False)


def _sample() -> list[str]:
    """A few real suite texts: a topic, a bibliography title, an abstract."""
    task = load_suite()["graph-neural-networks"]
    paper = next(task.paper(p) for p in task.reference_papers if task.paper(p).abstract)
    return [task.topic, " ".join(paper.title.split()), paper.abstract]


def test_every_suite_text_is_shipped_for_the_default_model():
    shipped = shipped_vectors(TORCH)
    assert shipped is not None, "no shipped vectors: run scripts/ship_embeddings.py"
    texts = suite_texts(ScoringSuite.from_env())
    missing = [t for t in texts if Embedder._key(t) not in shipped.rows]
    assert not missing, f"{len(missing)} suite texts not shipped (e.g. {missing[0]!r}): rerun scripts/ship_embeddings.py"


def test_every_paper_text_generators_embed_is_shipped_too():
    shipped = shipped_vectors(TORCH)
    missing = [t for t in pool_texts(list(load_suite().values())) if Embedder._key(t) not in shipped.rows]
    assert not missing, f"{len(missing)} pool texts not shipped (e.g. {missing[0]!r}): rerun scripts/ship_embeddings.py"


def test_a_cold_cache_serves_a_pool_paper_as_generators_embed_it(cold_cache):
    task = load_suite()["graph-neural-networks"]
    emb = Embedder()
    emb.encode([paper_text(p) for p in task.papers[:5]])
    assert emb.model_loads == 0 and emb.shipped_hits == 5 and emb.encoded_texts == 0


def test_a_cold_cache_serves_suite_texts_without_loading_the_model(cold_cache):
    emb = Embedder()
    vecs = emb.encode(_sample())
    assert emb.model_loads == 0 and emb.shipped_hits == 3 and emb.encoded_texts == 0
    assert vecs.shape == (3, 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_the_shipped_vectors_equal_computing_them(cold_cache):
    shipped = Embedder().encode(_sample())
    fresh = Embedder(disk_cache=False)
    computed = fresh.encode(_sample())
    assert fresh.shipped_hits == 0 and fresh.encoded_texts == 3  # no disk store: nothing pre-filled is read
    assert np.abs(computed - shipped).max() < 1e-5  # float32 kernels differ in last bits by CPU and batch


def test_a_suite_text_gets_the_shipped_vector_whatever_the_disk_store_holds(cold_cache):
    """Shipped vectors are read before the disk store: a vector stored there for a suite text (another CPU's last
    bits, an older run) never replaces the one every machine reads."""
    first = Embedder()
    shipped = first.encode(_sample()[:1])[0]
    first.disk.put_many(first.model_id, {Embedder._key(_sample()[0]): -shipped})
    emb = Embedder()
    assert np.array_equal(emb.encode(_sample()[:1])[0], shipped) and emb.disk_hits == 0 and emb.shipped_hits == 1


def test_a_text_outside_the_suite_is_embedded_and_other_models_read_nothing(cold_cache):
    emb = Embedder()
    emb.encode(["a sentence no shipped task contains, about lighthouse keepers"])
    assert emb.encoded_texts == 1 and emb.shipped_hits == 0
    assert shipped_vectors(model_id("onnx")) is None  # vectors of another backend are never mixed in


def test_a_damaged_or_foreign_file_is_no_file(tmp_path):
    key = Embedder._key("x")
    write_shipped("m1", {key: np.ones(4, np.float32) / 2}, tmp_path)
    assert shipped_vectors("m1", tmp_path).get_many([key])[key].tolist() == [0.5] * 4
    shipped_file("m2", tmp_path).write_bytes(shipped_file("m1", tmp_path).read_bytes())
    assert shipped_vectors("m2", tmp_path) is None  # m1's vectors under m2's name: the model id inside differs
    shipped_file("m1", tmp_path).write_bytes(b"not an npz")
    shipped_vectors.cache_clear()
    assert shipped_vectors("m1", tmp_path) is None
