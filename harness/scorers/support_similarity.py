"""Support method `similarity`: cosine(citing sentence, cited abstract) against a threshold calibrated per task.

It measures the topical closeness of the citing sentence to the cited abstract, not whether the abstract backs
the claim (on SciFact and Check-COVID it barely tells supported from contradicted claims: see docs/judges.md). Calibration (once per task corpus and embedding model, cached in-process,
never from the review under test): for each task paper with an abstract of >= 3 sentences, its second
sentence (usually the "we propose" claim) is held out; positives = cosine(held-out sentence, rest of its own
abstract), negatives = cosine(held-out sentence, the rest of each other paper's abstract). Threshold =
Youden-optimal cut; the AUROC and the calibration's identity (sha256 of its corpus and model) are stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from harness.models import Paper
from harness.scorers.calibration import auroc, rates_at, youden_threshold
from harness.scorers.calibration_cache import disk_cached
from harness.scorers.judge_methods import MethodResult, SupportMethod
from harness.core.text import split_sentences

MAX_CALIBRATION_PAPERS = 150
RULE = "cosine(citing sentence, cited abstract) >= threshold calibrated on the task's abstracts (similarity proxy)"
_CACHE: dict[tuple[str, str], "SupportCalibration"] = {}


@dataclass(frozen=True)
class SupportCalibration:
    """Support threshold, how well it separates own-abstract from other-abstract sentence pairs, and its identity."""

    threshold: float | None
    auroc: float | None
    n_papers: int
    tpr: float | None
    fpr: float | None
    calibration_id: str = ""

    def details(self) -> dict:
        return {"support_threshold": self.threshold, "support_auroc": self.auroc,
                "support_calibration_papers": self.n_papers, "support_tpr": self.tpr, "support_fpr": self.fpr,
                "calibration_id": self.calibration_id, "rule": RULE}


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
    model = str(getattr(embedder, "model_path", ""))
    corpus = hashlib.sha256("\n".join(f"{i}\t{s}\t{r}" for i, s, r in usable).encode()).hexdigest()
    key = (corpus, model)
    if key in _CACHE:
        return _CACHE[key]
    cal_id = hashlib.sha256(f"similarity\x00{getattr(embedder, 'model_name', model)}\x00{corpus}".encode()
                            ).hexdigest()[:16]
    if len(usable) < 5:
        cal = SupportCalibration(None, None, len(usable), None, None, cal_id)
    else:
        s = embedder.encode([u[1] for u in usable])
        r = embedder.encode([u[2] for u in usable])
        sim = s @ r.T
        pos = np.diag(sim)
        neg = sim[~np.eye(len(usable), dtype=bool)]
        thr = youden_threshold(pos, neg)
        rates = rates_at(pos, neg, thr) if thr is not None else {"tpr": None, "fpr": None}
        cal = SupportCalibration(thr, auroc(pos, neg), len(usable), rates["tpr"], rates["fpr"], cal_id)
    _CACHE[key] = cal
    return cal


def judge_similarity(claims, task, ctx, spec=None):
    """Per-pair verdicts by calibrated cosine; recall = a claim resembles at least one cited abstract."""
    embedder = ctx.embedder()
    cal = disk_cached(calibrate_support)([p for p in task.papers if p.abstract], embedder)  # once per task+model
    thr = ctx.thresholds.get("support", cal.threshold)
    model = getattr(embedder, "model_name", None) or str(getattr(embedder, "model_path", ""))
    det = {**cal.details(), "threshold_used": thr}
    if thr is None:
        return MethodResult(model=model, details=det, na=(
            f"cannot calibrate the support threshold: only {cal.n_papers} task abstracts of >= 3 sentences"))
    claims = [c for c in claims if c.evidence]
    s_emb = embedder.encode([c.text for c in claims])
    texts = list(dict.fromkeys(e.abstract for c in claims for e in c.evidence))
    a_emb = embedder.encode(texts)
    col = {t: j for j, t in enumerate(texts)}
    res = MethodResult(model=model, details=det, recall_phrase="are topically close to at least one cited abstract",
                       precision_phrase="are topically close",
                       label=f"similarity: topical closeness of the citing sentence to the cited abstract, NOT "
                             f"whether it backs the claim; cosine >= {thr:.3f}, calibration AUROC "
                             f"{'n/a' if cal.auroc is None else f'{cal.auroc:.3f}'}")
    for r, c in enumerate(claims):
        for e in c.evidence:
            s = float(s_emb[r] @ a_emb[col[e.abstract]])
            res.set_pair(c.index, e.key, s >= thr, round(s, 4))
        res.recall[c.index] = any(res.pairs[(c.index, e.key)] for e in c.evidence)
    return res


METHOD = SupportMethod("similarity", judge_similarity, measures="topical closeness of the citing sentence to the "
                       "cited abstract (MiniLM cosine against a per-task threshold), not whether the abstract "
                       "backs the claim")
