"""The optional ONNX Runtime backend: same vectors as torch, its own model id, a clear error for a bad name."""

from __future__ import annotations

import numpy as np
import pytest

from harness.embeddings.encoder import Embedder, configured_backend, get_embedder
from harness.core.errors import HarnessError


def test_an_unknown_backend_is_a_harness_error(monkeypatch):
    monkeypatch.setenv("HARNESS_EMBED_BACKEND", "tpu")
    with pytest.raises(HarnessError, match="tpu"):
        configured_backend()


def test_onnx_vectors_match_torch(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")  # exports the packaged weights on first use
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    texts = ["traffic forecasting with graph neural networks", "galaxy clusters", "word " * 400]
    onnx = Embedder(backend="onnx", disk_cache=False)
    a, b = get_embedder().encode(texts), onnx.encode(texts)
    assert onnx.model_id.endswith("|onnx") and onnx.model_id != get_embedder().model_id
    assert onnx.model_path.suffix == ".onnx" and onnx.model_path.exists()
    assert np.allclose(a, b, atol=1e-4) and np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
