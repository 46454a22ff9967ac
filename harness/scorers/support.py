"""Citation support as a similarity proxy: does a cited paper's abstract resemble the sentence citing it?

No small NLI model ships on PyPI, so support is the cosine between the citing sentence (markers removed) and
the cited abstract, against a calibrated threshold. Calibration (per abstract corpus, cached in-process):
for each paper with an abstract of >= 3 sentences, its second sentence (usually the "we propose" claim)
is held out; positives = cosine(held-out sentence, rest of its own abstract), negatives = cosine(held-out
sentence, the rest of each other paper's abstract). Threshold = Youden-optimal cut; the AUROC is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from harness.models import Paper
from harness.scorers.calibration import auroc, rates_at, youden_threshold
from harness.text import split_sentences, strip_markers

MAX_CALIBRATION_PAPERS = 150
_CACHE: dict[tuple[str, str], SupportCalibration] = {}


@dataclass(frozen=True)
class SupportCalibration:
    """Support threshold and how well it separates own-abstract from other-abstract sentence pairs."""

    threshold: float | None
    auroc: float | None
    n_papers: int
    tpr: float | None
    fpr: float | None

    def details(self) -> dict:
        return {"support_threshold": self.threshold, "support_auroc": self.auroc,
                "support_calibration_papers": self.n_papers, "support_tpr": self.tpr, "support_fpr": self.fpr,
                "method": "cosine(citing sentence, cited abstract) >= calibrated threshold (similarity proxy)"}


def clean_sentence(sentence: str) -> str:
    """A citing sentence without its markers and markdown."""
    return " ".join(strip_markers(sentence).replace("*", " ").replace("`", " ").split())


def calibrate_support(papers: list[Paper], embedder) -> SupportCalibration:
    """Threshold from held-out abstract sentences vs own / other abstracts (see module docstring); cached."""
    usable = []
    for p in sorted({p.id: p for p in papers if p.abstract}.values(), key=lambda p: p.id):
        sents = split_sentences(" ".join((p.abstract or "").split()))
        if len(sents) >= 3:
            usable.append((p.id, sents[1], " ".join(sents[:1] + sents[2:])))
    if len(usable) > MAX_CALIBRATION_PAPERS:
        step = len(usable) / MAX_CALIBRATION_PAPERS
        usable = [usable[int(i * step)] for i in range(MAX_CALIBRATION_PAPERS)]
    key = (hashlib.sha256("\n".join(f"{i}\t{s}\t{r}" for i, s, r in usable).encode()).hexdigest(),
           str(getattr(embedder, "model_path", "")))
    if key in _CACHE:
        return _CACHE[key]
    if len(usable) < 5:
        cal = SupportCalibration(None, None, len(usable), None, None)
    else:
        s = embedder.encode([u[1] for u in usable])
        r = embedder.encode([u[2] for u in usable])
        sim = s @ r.T
        pos = np.diag(sim)
        neg = sim[~np.eye(len(usable), dtype=bool)]
        thr = youden_threshold(pos, neg)
        rates = rates_at(pos, neg, thr) if thr is not None else {"tpr": None, "fpr": None}
        cal = SupportCalibration(thr, auroc(pos, neg), len(usable), rates["tpr"], rates["fpr"])
    _CACHE[key] = cal
    return cal
