"""The relevance scorer uses the task's stored held-out calibration (query text and threshold) when it has one."""

from __future__ import annotations

import numpy as np

from harness.scorers.relevance import calibrate


class FakeEmbedder:
    """Unit vectors from a fixed table; records what it was asked to embed."""

    model_name = "fake-model"
    model_path = "fake"

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen.extend(texts)
        return np.array([[1.0, 0.0] if "topic" in t else [0.0, 1.0] for t in texts], dtype=np.float32)


def _with_calibration(task, **over):
    from harness.scorers.calibration_study import study_hash

    stored = {"task_hash": study_hash(task), "method": "title/topic+outline/threshold", "text": "title", "query": "topic+outline",
              "rule": "threshold", "query_text": "the topic plus its outline", "embedding_model": "fake-model",
              "threshold": 0.42, "auroc_cs": 0.97, "auroc_near": 0.91, "auroc_physics": 0.99, "tpr": 0.8,
              "fpr_cs": 0.05, "fpr_near": 0.2, "fpr_physics": 0.0,
              "n_test": {"pos": 10, "cs": 20, "near": 30, "physics": 40}, **over}
    t = task.model_copy(update={"provenance": {**task.provenance, "relevance_calibration": stored}})
    t.content_hash = t.compute_hash()
    return t


def test_stored_calibration_sets_query_and_threshold(stfm_task):
    emb = FakeEmbedder()
    cal = calibrate(_with_calibration(stfm_task), emb)
    assert emb.seen == ["the topic plus its outline"]  # nothing else embedded: no pool calibration
    assert cal.threshold == 0.42 and cal.auroc_off_topic == 0.99 and cal.auroc_near_topic == 0.91
    assert cal.details()["calibration"]["method"] == "title/topic+outline/threshold"
    assert cal.details()["calibration"]["auroc_cs"] == 0.97 and cal.n_off_topic == 40


def test_calibration_from_another_embedding_model_is_ignored(stfm_task):
    emb = FakeEmbedder()
    cal = calibrate(_with_calibration(stfm_task, embedding_model="other-model", threshold=0.99), emb)
    assert cal.threshold != 0.99 and "calibration" not in cal.details()
    assert stfm_task.topic in emb.seen  # calibrated on the pool instead


def test_calibration_of_an_edited_task_is_ignored(stfm_task):
    edited = _with_calibration(stfm_task)
    edited = edited.model_copy(update={"pool": edited.pool[:-1]})
    edited.content_hash = edited.compute_hash()
    assert calibrate(edited, FakeEmbedder()).stored is None
