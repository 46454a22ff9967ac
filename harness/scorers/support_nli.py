"""Support method `nli`: an NLI cross-encoder (sentence-transformers CrossEncoder) as the entailment judge.

Premise: the cited paper's title plus abstract, split into windows of about WINDOW_WORDS words (whole
sentences, one sentence of overlap) when it is long; hypothesis: the citing sentence without its markers. A pair
is supported when entailment is the most probable label in some window; its value is the maximum entailment
probability over the windows. Recall: the claim is entailed by at least one cited abstract; precision: the
share of (claim, cited paper) pairs that are entailed. Any NLI cross-encoder path or hub id works; a model not
on disk is fetched from the Hugging Face Hub on first use unless HF_HUB_OFFLINE=1, where it is a one-line error.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from harness.core.errors import HarnessError
from harness.scorers.judge_methods import MethodResult, SupportMethod
from harness.core.text import split_sentences

DEFAULT_NLI_MODEL = "cross-encoder/nli-deberta-v3-xsmall"
WINDOW_WORDS = 200
BATCH_SIZE = 16
_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


def load_cross_encoder(model: str):
    """The CrossEncoder for a path or hub id (cached per process); HarnessError in one line when unavailable."""
    with _LOCK:
        if model in _MODELS:
            return _MODELS[model]
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
        local = Path(model).expanduser()
        if local.exists() and not (local / "config.json").exists():
            raise HarnessError(f"NLI model directory has no config.json", path=local, field="scorers.support.model",
                               hint="give a saved cross-encoder directory or a Hugging Face hub id")
        try:
            from sentence_transformers import CrossEncoder
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no "Loading weights" bars in CLI output
            enc = CrossEncoder(str(local) if local.exists() else model, device="cpu")
        except Exception as exc:  # noqa: BLE001 - every loading failure becomes one line naming the model
            how = ("it is not in the local Hugging Face cache and HF_HUB_OFFLINE=1 forbids downloading it: run once "
                   f"with internet (unset HF_HUB_OFFLINE) to fetch it, or pass a local path with --support-model"
                   if offline else "check the hub id or path, or your network")
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise HarnessError(f"cannot load the NLI model {model!r} ({type(exc).__name__}: {first})",
                               field="scorers.support.model", hint=how) from None
        entail = entailment_index(enc)
        _MODELS[model] = (enc, entail)
        return _MODELS[model]


def entailment_index(encoder) -> int:
    """Index of the entailment label in the model's outputs; HarnessError for a model without one."""
    labels = getattr(getattr(encoder, "config", None), "id2label", None) or \
        getattr(getattr(getattr(encoder, "model", None), "config", None), "id2label", None) or {}
    for i, name in sorted((int(i), str(n)) for i, n in labels.items()):
        if "entail" in name.lower():
            return i
    raise HarnessError(f"the model's labels {sorted(labels.values())} have no entailment label: not an NLI model",
                       field="scorers.support.model", hint="use an NLI cross-encoder, e.g. "
                       "cross-encoder/nli-deberta-v3-xsmall")


def windows(premise: str, max_words: int = WINDOW_WORDS) -> list[str]:
    """The premise as windows of whole sentences (over-long ones cut) of at most max_words words, consecutive
    windows sharing one sentence."""
    words = premise.split()
    if len(words) <= max_words:
        return [" ".join(words)]
    sents = []
    for sent in split_sentences(" ".join(words)):  # a sentence longer than a window is cut into word chunks
        toks = sent.split()
        sents += [" ".join(toks[i:i + max_words]) for i in range(0, len(toks), max_words)]
    out: list[str] = []
    i = 0
    while i < len(sents):
        j, n = i, 0
        while j < len(sents) and (n == 0 or n + len(sents[j].split()) <= max_words):
            n += len(sents[j].split())
            j += 1
        out.append(" ".join(sents[i:j]))
        if j >= len(sents):
            break
        i = max(i + 1, j - 1)  # one sentence of overlap, always moving forward
    return out


def entailment(model: str, pairs: list[tuple[str, str]], max_words: int = WINDOW_WORDS,
               batch_size: int = BATCH_SIZE) -> list[tuple[float, bool]]:
    """(max entailment probability over windows, entailment is the top label in some window) per (premise, hypothesis)."""
    enc, ent = load_cross_encoder(model)
    flat: list[tuple[str, str]] = []
    owner: list[int] = []
    for k, (premise, hyp) in enumerate(pairs):
        for w in windows(premise, max_words):
            flat.append((w, hyp))
            owner.append(k)
    if not flat:
        return []
    probs = np.asarray(enc.predict(flat, batch_size=batch_size, apply_softmax=True, show_progress_bar=False))
    if probs.ndim == 1:
        raise HarnessError("the model gives one score per pair, not NLI label probabilities",
                           field="scorers.support.model", hint="use an NLI cross-encoder")
    best = [0.0] * len(pairs)
    top = [False] * len(pairs)
    for k, row in zip(owner, probs):
        best[k] = max(best[k], float(row[ent]))
        top[k] = top[k] or int(np.argmax(row)) == ent
    return list(zip(best, top))


@functools.lru_cache(maxsize=16)
def model_identity(model: str) -> str:
    """A short hash naming the model's files when it is a local directory (else the hub id itself)."""
    p = Path(model).expanduser()
    if not p.is_dir():
        return model
    h = hashlib.sha256()
    for f in sorted(p.rglob("*")):
        if f.is_file() and f.stat().st_size < 50_000_000:
            h.update(f.name.encode() + f.read_bytes())
    return f"{p.name}@{h.hexdigest()[:12]}"


def judge_nli(claims: list, model: str):
    """Per-pair entailment verdicts; recall = a claim is entailed by at least one cited abstract."""
    load_cross_encoder(model)  # a one-line error before any work when the model is missing
    pairs = [(c, e) for c in claims for e in c.evidence]
    results = entailment(model, [(e.premise, c.text) for c, e in pairs])
    ident = model_identity(model)
    res = MethodResult(model=model, prompt_hash=hashlib.sha256(f"nli-v1|windows={WINDOW_WORDS}".encode()
                                                               ).hexdigest()[:16],
                       label=f"NLI cross-encoder {model}, entailment the top label in some window of "
                             f"~{WINDOW_WORDS} words of title + abstract",
                       recall_phrase="are entailed by at least one cited abstract",
                       precision_phrase="are entailed", value_key="entailment",
                       details={"model_identity": ident, "window_words": WINDOW_WORDS, "calibration_id": None,
                                "rule": "argmax label is entailment (no threshold to calibrate)"})
    for (c, e), (p, top) in zip(pairs, results):
        res.set_pair(c.index, e.key, top, round(p, 4))
    for c in claims:
        res.recall[c.index] = any(res.pairs[(c.index, e.key)] for e in c.evidence)
    return res


def _judge(claims: list, task, ctx, spec) -> MethodResult:
    """The registered entry: the spec's cross-encoder, else DEFAULT_NLI_MODEL."""
    return judge_nli(claims, spec.models[0] if spec is not None and spec.models else DEFAULT_NLI_MODEL)


METHOD = SupportMethod("nli", _judge, measures="entailment of the citing sentence by the cited title and abstract "
                       "(an NLI cross-encoder's top label)")
