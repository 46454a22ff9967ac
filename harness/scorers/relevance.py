"""On-topic calibration: title similarity to the task topic with a per-task threshold and its AUROCs.

Text form: titles only, for calibration and scoring alike. Reference papers carry no abstracts while the
off-topic pool papers do; embedding title+abstract for some and titles for others would let text length,
not topic, decide. A paper's score is the cosine between its title and the embedding of the task topic (the
request generators receive). Alternatives measured on the shipped tasks and rejected: adding the reference
survey's title lowered AUROC (hallucination task 0.965 -> 0.941 vs off-topic); nearest-bibliography-title
similarity separated better in aggregate but called general LLM papers (distillation, self-refinement)
on-topic for the spatio-temporal task, whose bibliography includes LLM-for-ST work. The threshold is the
Youden-optimal cut between the task's reference papers (positives; at most MAX_POSITIVES, evenly spaced in
bibliography order) and its near-topic and off-topic pool papers (negatives, each class weighted equally);
it is cached per (task content hash, embedding model) in-process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harness.models import Task
from harness.scorers.calibration import auroc, balanced_youden_threshold, rates_at

MAX_POSITIVES = 150
_CACHE: dict[tuple[str, str], TopicCalibration] = {}


@dataclass(frozen=True)
class TopicCalibration:
    """A task's topic vector, on-topic threshold and how well it separates the pool's roles."""

    task_id: str
    topic_vec: np.ndarray = field(repr=False)
    threshold: float | None
    auroc_off_topic: float | None
    auroc_near_topic: float | None
    n_reference: int
    n_near_topic: int
    n_off_topic: int
    tpr: float | None = None
    fpr_near: float | None = None
    fpr_off: float | None = None

    def details(self) -> dict:
        return {"threshold": self.threshold, "auroc_off_topic": self.auroc_off_topic,
                "auroc_near_topic": self.auroc_near_topic, "n_reference": self.n_reference,
                "n_near_topic": self.n_near_topic, "n_off_topic": self.n_off_topic, "tpr": self.tpr,
                "fpr_near_topic": self.fpr_near, "fpr_off_topic": self.fpr_off, "text_form": "title only"}


def _title(t: str) -> str:
    return " ".join(t.split())


def topic_vector(task: Task, embedder) -> np.ndarray:
    """Unit embedding of the task topic."""
    return embedder.encode([task.topic])[0]


def title_similarity(titles: list[str], topic_vec: np.ndarray, embedder) -> np.ndarray:
    """Cosine between each title and the topic vector."""
    if not titles:
        return np.zeros(0, dtype=np.float32)
    return embedder.encode([_title(t) for t in titles]) @ topic_vec


def calibrate(task: Task, embedder) -> TopicCalibration:
    """Per-task on-topic threshold and AUROCs (reference vs off-topic, reference vs near-topic); cached."""
    if not task.has_bibliography:  # no positives of its own: the generic rule fitted on the shipped suite
        from harness.scorers.generic_topic import calibrate_generic

        return calibrate_generic(task, embedder)  # type: ignore[return-value]
    key = (task.content_hash or task.compute_hash(), str(getattr(embedder, "model_path", "")))
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    tv = topic_vector(task, embedder)
    refs = task.reference_papers
    if len(refs) > MAX_POSITIVES:
        refs = [refs[int(i * len(refs) / MAX_POSITIVES)] for i in range(MAX_POSITIVES)]
    pos_titles = [task.paper(pid).title for pid in refs]
    near_titles = [task.paper(i.paper_id).title for i in task.pool if i.role == "near-topic"]
    off_titles = [task.paper(i.paper_id).title for i in task.pool if i.role == "off-topic"]
    sims = title_similarity(pos_titles + near_titles + off_titles, tv, embedder)
    pos = sims[: len(pos_titles)]
    near = sims[len(pos_titles): len(pos_titles) + len(near_titles)]
    off = sims[len(pos_titles) + len(near_titles):]
    thr = balanced_youden_threshold(pos, near, off)
    cal = TopicCalibration(task_id=task.id, topic_vec=tv, threshold=thr, auroc_off_topic=auroc(pos, off),
                           auroc_near_topic=auroc(pos, near), n_reference=len(pos), n_near_topic=len(near),
                           n_off_topic=len(off))
    if thr is not None:
        cal = TopicCalibration(**{**cal.__dict__, "tpr": rates_at(pos, [], thr)["tpr"],
                                  "fpr_near": rates_at([], near, thr)["fpr"] if len(near) else None,
                                  "fpr_off": rates_at([], off, thr)["fpr"] if len(off) else None})
    _CACHE[key] = cal
    return cal
