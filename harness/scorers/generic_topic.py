"""Generic on-topic calibration for a task with no bibliography: one rule fitted on the run's suite.

A title's score for a topic is its cosine with the topic (titles only, as in relevance.py). Cosine scales
differ between topics, so scores are standardised per topic against the shipped off-topic pools:
z = (cosine - median) / (1.4826 * MAD) of the pools' cosines with that topic (robust to the few pool papers
that may be on a new topic). The cut z* is the Youden-optimal z between the suite tasks' reference papers
(positives, at most MAX_POSITIVES per task, evenly spaced) and the pools (negatives, each task a class of
equal weight). Suite tasks whose topic is near the scored one (cosine >= SAME_TOPIC) are left out of the fit,
so the rule never learns the topic it judges. Reported, all measured: the pooled AUROC of z over the fitted
tasks, leave-one-task-out TPR / FPR of the cut, and the scored topic's own FPR on the pools at its threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from harness.models import Task, normalize_title
from harness.scorers.calibration import auroc
from harness.scorers.context import ScoringSuite
from harness.tasks.shipped import Pool

MAX_POSITIVES = 40
SAME_TOPIC = 0.8
MIN_FIT_TASKS = 3
_CACHE: dict[tuple, "GenericCalibration"] = {}


@dataclass(frozen=True)
class GenericCalibration:
    """A topic's threshold from the generic rule (same attributes as relevance.TopicCalibration)."""

    task_id: str
    topic_vec: np.ndarray = field(repr=False)
    threshold: float | None
    auroc_off_topic: float | None
    z_threshold: float | None = None
    n_reference: int = 0
    n_off_topic: int = 0
    fit_tasks: tuple[str, ...] = ()
    left_out: tuple[str, ...] = ()
    loo_tpr: float | None = None
    loo_fpr: float | None = None
    fpr_off: float | None = None
    reason: str | None = None
    auroc_near_topic: float | None = None
    n_near_topic: int = 0
    tpr: float | None = None
    fpr_near: float | None = None

    def details(self) -> dict:
        return {"calibration": "generic (no bibliography): suite references vs shipped off-topic pools, "
                               "z-scored per topic", "threshold": self.threshold, "z_threshold": self.z_threshold,
                "auroc_off_topic": self.auroc_off_topic, "auroc_near_topic": None,
                "loo_tpr": self.loo_tpr, "loo_fpr": self.loo_fpr, "fpr_off_topic": self.fpr_off,
                "n_reference": self.n_reference, "n_off_topic": self.n_off_topic,
                "fit_tasks": list(self.fit_tasks), "left_out_same_topic": list(self.left_out),
                "reason": self.reason, "text_form": "title only"}


def robust_z(sims: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Standardise cosines against the negatives' median and MAD (scaled to a normal's sigma)."""
    med = float(np.median(neg))
    mad = float(np.median(np.abs(neg - med))) * 1.4826
    return (sims - med) / max(mad, 1e-6)


def balanced_cut(pos: np.ndarray, negs: list[np.ndarray]) -> float:
    """Cut maximising TPR - mean FPR over negative classes (score >= cut positive), midway between scores."""
    values = np.unique(np.concatenate([pos, *negs]))
    p = np.sort(pos)
    tpr = 1.0 - np.searchsorted(p, values, side="left") / p.size
    fpr = np.mean([1.0 - np.searchsorted(np.sort(n), values, side="left") / n.size for n in negs], axis=0)
    i = int(np.argmax(tpr - fpr))  # first maximum, as calibration.balanced_youden_threshold
    lower = values[i - 1] if i > 0 else values[i]
    return float((values[i] + lower) / 2)


def _suite_and_negatives(task: Task, tasks: Mapping[str, Task], pools: Sequence[Pool]):
    """The suite's other tasks with a bibliography, and the off-topic pool titles none of them (nor task) holds."""
    suite = [t for t in tasks.values() if t.has_bibliography and t.id != task.id]
    known = {t.paper(r).arxiv_id for t in suite for r in t.reference_papers} | {p.arxiv_id for p in task.papers}
    known.discard(None)
    titles = {normalize_title(p.title) for p in task.papers}
    negs, seen = [], set()
    for pool in pools:
        for p in pool.papers:
            key = normalize_title(p.title)
            if p.arxiv_id in known or key in titles or key in seen:
                continue
            seen.add(key)
            negs.append(p.title)
    return suite, negs


def calibrate_generic(task: Task, embedder, suite: ScoringSuite) -> GenericCalibration:
    """The task topic's on-topic threshold from the generic rule (see module docstring), fitted on the run's suite
    and its off-topic pools (passed in by the caller); cached per topic, suite, pools and model."""
    tv = embedder.encode([task.topic])[0]
    try:
        suite_tasks, neg_titles = _suite_and_negatives(task, suite.tasks(missing_ok=True), suite.pools())
    except Exception as exc:  # no pools: say so, never guess a threshold
        return GenericCalibration(task.id, tv, None, None, reason=f"cannot load the calibration data: {exc}")
    key = (task.topic, tuple(t.content_hash for t in suite_tasks), tuple(suite.pool_hashes().values()), len(neg_titles),
           str(getattr(embedder, "model_path", "")))
    if key in _CACHE:
        return _CACHE[key]
    neg_emb = embedder.encode([" ".join(t.split()) for t in neg_titles])
    topics = embedder.encode([t.topic for t in suite_tasks]) if suite_tasks else np.zeros((0, tv.size))
    fit = [t for t, v in zip(suite_tasks, topics) if float(v @ tv) < SAME_TOPIC]
    left_out = tuple(t.id for t, v in zip(suite_tasks, topics) if float(v @ tv) >= SAME_TOPIC)
    if len(fit) < MIN_FIT_TASKS or len(neg_titles) < 20:
        cal = GenericCalibration(task.id, tv, None, None, left_out=left_out,
                                 reason=f"too little calibration data: {len(fit)} suite tasks, {len(neg_titles)} "
                                        "off-topic papers")
        _CACHE[key] = cal
        return cal
    z_pos, z_neg = [], []
    for t, v in zip(suite_tasks, topics):
        if t.id in left_out:
            continue
        refs = t.reference_papers
        if len(refs) > MAX_POSITIVES:
            refs = [refs[int(i * len(refs) / MAX_POSITIVES)] for i in range(MAX_POSITIVES)]
        neg = neg_emb @ v
        z_pos.append(robust_z(embedder.encode([" ".join(t.paper(r).title.split()) for r in refs]) @ v, neg))
        z_neg.append(robust_z(neg, neg))
    z_star = balanced_cut(np.concatenate(z_pos), z_neg)
    loo_tpr, loo_fpr = [], []
    for k in range(len(z_pos)):
        cut = balanced_cut(np.concatenate(z_pos[:k] + z_pos[k + 1:]), z_neg[:k] + z_neg[k + 1:])
        loo_tpr.append(float((z_pos[k] >= cut).mean()))
        loo_fpr.append(float((z_neg[k] >= cut).mean()))
    own_neg = neg_emb @ tv
    med = float(np.median(own_neg))
    mad = float(np.median(np.abs(own_neg - med))) * 1.4826
    thr = med + z_star * max(mad, 1e-6)
    cal = GenericCalibration(
        task.id, tv, thr, auroc(np.concatenate(z_pos), np.concatenate(z_neg)), z_threshold=z_star,
        n_reference=int(sum(z.size for z in z_pos)), n_off_topic=len(neg_titles),
        fit_tasks=tuple(t.id for t in fit), left_out=left_out, loo_tpr=float(np.mean(loo_tpr)),
        loo_fpr=float(np.mean(loo_fpr)), fpr_off=float((own_neg >= thr).mean()))
    _CACHE[key] = cal
    return cal
