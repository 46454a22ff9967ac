"""The package's pre-filled calibrations (harness/data/calibrations: support, relevance's default method `contrast`
and `neighbours`, their cross-lingual shifts): current, equal to computing, used."""

from __future__ import annotations

import itertools

import pytest

from harness.embeddings.encoder import model_id
from harness.embeddings.multilingual import model_id as multilingual_model_id
from harness.models import Paper
from harness.scorers import calibration_cache
from harness.scorers.calibration_cache import SHIPPED, calibration_key, disk_cached
from harness.scorers.context import ScoringSuite
from harness.scorers.relevance_gloss import GlossEmbedder
from harness.scorers.relevance_neighbours import (SHIFT_ON, SuiteTask, calibrate_contrast, calibrate_neighbours,
                                                  cross_lingual_shift, shift_calibration)
from harness.scorers.support_similarity import calibrate_support, support_corpus
from harness.tasks.suite import load_suite


class _NoModel:
    """Carries the default model id; embedding anything fails the test (a shipped entry needs no model)."""

    model_id = model_id("torch")
    model_name = "sentence-transformers/all-MiniLM-L6-v2"

    def encode(self, texts):
        raise AssertionError(f"embedded {len(texts)} texts: the shipped calibration was not used")


@pytest.fixture
def cold_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("HARNESS_DISK_CACHE", raising=False)
    calibration_cache.clear_memory()
    yield
    calibration_cache.clear_memory()


class _NoMultilingual(_NoModel):
    model_id = multilingual_model_id()


def _relevance_keys() -> set[str]:
    suite = ScoringSuite.from_env()
    keys = {calibration_key(fn, SuiteTask(t, suite), _NoModel()) for t in load_suite().values()
            for fn in (calibrate_contrast, calibrate_neighbours)}
    for (space, emb), calibrate in itertools.product({"zh-gloss": GlossEmbedder(_NoModel()),
                                                      "use-multilingual": _NoMultilingual()}.items(),
                                                     (calibrate_contrast, calibrate_neighbours)):
        keys.add(calibration_key(*shift_calibration(suite, calibrate, SHIFT_ON.get(space)), emb))
    return keys


def test_every_shipped_task_has_its_current_calibrations_and_nothing_stale():
    keys = {calibration_key(calibrate_support, support_corpus(t), _NoModel()) for t in load_suite().values()}
    keys |= _relevance_keys()
    shipped = {p.stem for p in SHIPPED.glob("*.json")}
    assert keys - shipped == set(), "stale or missing: rerun scripts/ship_calibrations.py"
    assert shipped - keys == set(), "entries of no shipped task: rerun scripts/ship_calibrations.py"


def test_a_cold_cache_reads_the_shipped_calibration_without_embedding(cold_cache):
    task = load_suite()["graph-neural-networks"]
    before = calibration_cache.stats["shipped_hits"]
    cal = disk_cached(calibrate_support)(support_corpus(task), _NoModel())
    assert calibration_cache.stats["shipped_hits"] == before + 1
    assert cal.n_papers >= 5 and 0 < cal.threshold < 1 and cal.calibration_id


@pytest.mark.parametrize("calibrate", [calibrate_contrast, calibrate_neighbours])
def test_a_cold_cache_reads_the_shipped_relevance_cut_without_embedding(cold_cache, calibrate):
    task = load_suite()["graph-neural-networks"]
    before = calibration_cache.stats["shipped_hits"]
    cal = disk_cached(calibrate)(SuiteTask(task, ScoringSuite.from_env()), _NoModel())
    assert calibration_cache.stats["shipped_hits"] == before + 1
    assert cal.task_id == task.id and 0 < cal.threshold < 1 and cal.n_reference > 0


@pytest.mark.parametrize("space", ["zh-gloss", "use-multilingual"])
def test_a_cold_cache_reads_the_shipped_cross_lingual_shift_without_embedding(cold_cache, space):
    emb = GlossEmbedder(_NoModel()) if space == "zh-gloss" else _NoMultilingual()
    before = calibration_cache.stats["shipped_hits"]
    shift = cross_lingual_shift(ScoringSuite.from_env(), emb, calibrate_contrast, SHIFT_ON.get(space))
    assert calibration_cache.stats["shipped_hits"] == before + 1
    assert shift.n_pairs == (60 if space == "zh-gloss" else 66) and abs(shift.shift) < 0.1


def test_another_corpus_misses_the_shipped_entries_and_is_computed(cold_cache):
    papers = [Paper(id=f"p{i}", title=f"T{i}", abstract="One sentence. Two sentence. Three.") for i in range(3)]
    before = calibration_cache.stats["computed"]
    cal = disk_cached(calibrate_support)(papers, _NoModel())  # 3 usable papers (< 5): computed without embedding
    assert calibration_cache.stats["computed"] == before + 1 and cal.threshold is None and cal.n_papers == 3


@pytest.mark.slow
def test_the_shipped_calibration_equals_computing_it(cold_cache):
    from harness.embeddings.encoder import Embedder, get_embedder

    task = load_suite()["graph-neural-networks"]
    shipped = disk_cached(calibrate_support)(support_corpus(task), _NoModel())
    fresh = Embedder(disk_cache=False)
    fresh._model = get_embedder().model
    computed = calibrate_support(support_corpus(task), fresh)
    assert computed.threshold == pytest.approx(shipped.threshold, abs=1e-6)  # float32 kernels differ by CPU
    assert computed.auroc == pytest.approx(shipped.auroc, abs=1e-6)
    assert (computed.n_papers, computed.calibration_id) == (shipped.n_papers, shipped.calibration_id)


@pytest.mark.slow
def test_the_shipped_relevance_cut_equals_computing_it(cold_cache):
    from harness.embeddings.encoder import get_embedder

    subject = SuiteTask(load_suite()["graph-neural-networks"], ScoringSuite.from_env())
    shipped = disk_cached(calibrate_neighbours)(subject, _NoModel())
    computed = calibrate_neighbours(subject, get_embedder())  # what a fresh machine computes (no entry read)
    assert computed.threshold == pytest.approx(shipped.threshold, abs=1e-6)
    assert (computed.n_reference, computed.n_cs_calibration, tuple(computed.competitors)) == \
        (shipped.n_reference, shipped.n_cs_calibration, tuple(shipped.competitors))
