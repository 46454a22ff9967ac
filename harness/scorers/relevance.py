"""On-topic calibration: title similarity to a task query with a per-task threshold and its AUROCs.

Stored calibration first: when the task's provenance holds `relevance_calibration` (measured by
scripts/calibrate_tasks.py on held-out halves against CS off-topic, near-topic and physics negatives; see
tasks/README.md), its rule, query text (topic plus outline headings) and threshold are used, and its held-out
figures are reported: auroc_off_topic / fpr_off_topic keep their meaning (the physics off-topic class, the pool's
off-topic role of the original tasks); the CS off-topic figures are in details["calibration"] (auroc_cs, fpr_cs).

Fallback (a task without one, or another embedding model): titles only, for calibration and scoring alike, the
cosine between a title and the task topic (the request generators receive). The threshold is the
Youden-optimal cut between the task's reference papers (positives; at most MAX_POSITIVES, evenly spaced in
bibliography order) and its near-topic and off-topic pool papers (negatives, each class weighted equally).
Titles only because citations outside the task's papers have only a title, and mixing title+abstract texts
with bare titles would let text length, not topic, decide. Either way the result is cached per (task content
hash, embedding model) in-process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harness.models import Task
from harness.scorers.calibration import auroc, balanced_youden_threshold, rates_at
from harness.scorers.calibration_cache import disk_cached
from harness.scorers.calibration_study import study_hash
from harness.scorers.generic_topic import calibrate_generic
from harness.scorers.judge_methods import RelevanceJudgment, RelevanceMethod, RelevanceRef, RelevanceResult

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
    stored: dict | None = None  # the task's stored held-out calibration (provenance.relevance_calibration)

    def details(self) -> dict:
        out = {"threshold": self.threshold, "auroc_off_topic": self.auroc_off_topic,
               "auroc_near_topic": self.auroc_near_topic, "n_reference": self.n_reference,
               "n_near_topic": self.n_near_topic, "n_off_topic": self.n_off_topic, "tpr": self.tpr,
               "fpr_near_topic": self.fpr_near, "fpr_off_topic": self.fpr_off, "text_form": "title only"}
        if self.stored is not None:
            out["calibration"] = self.stored
        return out


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
    """Per-task on-topic threshold and AUROCs (reference vs off-topic, reference vs near-topic); cached. A task
    without a bibliography has no positives of its own: judge_title_similarity uses the generic rule instead."""
    key = (task.content_hash or task.compute_hash(), str(getattr(embedder, "model_path", "")))
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    stored = stored_calibration(task, embedder)
    if stored is not None:
        _CACHE[key] = stored
        return stored
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


def stored_calibration(task: Task, embedder) -> TopicCalibration | None:
    """The task's held-out calibration stored by the builder (query text, threshold, test-half figures), if it
    measured this very task with this embedding model and is a title-vs-query threshold rule; else None (calibrate
    on the pool)."""
    c = task.provenance.get("relevance_calibration") or {}
    if (c.get("threshold") is None or c.get("rule") != "threshold" or c.get("text") != "title"
            or c.get("query") not in ("topic", "topic+outline")
            or c.get("embedding_model") != getattr(embedder, "model_name", None)
            or c.get("task_hash") != study_hash(task)):  # edited since it was measured
        return None
    n = c.get("n_test") or {}
    return TopicCalibration(task_id=task.id, topic_vec=embedder.encode([c["query_text"]])[0],
                            threshold=float(c["threshold"]), auroc_off_topic=c.get("auroc_physics"),
                            auroc_near_topic=c.get("auroc_near"), n_reference=int(n.get("pos", 0)),
                            n_near_topic=int(n.get("near", 0)), n_off_topic=int(n.get("physics", 0)),
                            tpr=c.get("tpr"), fpr_near=c.get("fpr_near"), fpr_off=c.get("fpr_physics"),
                            stored=dict(c))


def judge_title_similarity(refs: list[RelevanceRef], task: Task, ctx, spec=None) -> RelevanceResult:
    """On-topic when in the bibliography, else when the title's cosine to the task query reaches the calibrated cut."""
    embedder = ctx.embedder()
    cal = (disk_cached(calibrate)(task, embedder) if task.has_bibliography  # once per (task, model, backend)
           else calibrate_generic(task, embedder, ctx.suite))  # fitted on the run's suite
    thr = ctx.thresholds.get("relevance", cal.threshold)
    to_embed = [r for r in refs if not r.in_bibliography and r.title]
    sims = dict(zip((r.key for r in to_embed), title_similarity([r.title for r in to_embed], cal.topic_vec,
                                                                embedder))) if to_embed else {}
    out: list[RelevanceJudgment] = []
    for r in refs:
        if r.in_bibliography:
            out.append(RelevanceJudgment("on-topic", basis="in the reference bibliography", threshold=thr))
        elif r.title and thr is not None:
            s = float(sims[r.key])
            out.append(RelevanceJudgment("on-topic" if s >= thr else "off-topic", score=round(s, 4), threshold=thr,
                                         basis="title similarity" + ("" if r.paper_id else
                                                                     " (unresolved entry's parsed title)")))
        else:
            out.append(RelevanceJudgment("unjudged", basis="no title" if not r.title else "no calibrated threshold"))
    return RelevanceResult(out, rule=_rule(cal, thr), details={**cal.details(), "threshold_used": thr,
                                                              "method": "title_similarity"})


def _rule(cal, thr: float | None) -> str:
    """The verdict rule in words, with the calibration's figures."""
    if thr is None:
        return "all judged papers are in the bibliography; no threshold could be calibrated"
    if getattr(cal, "z_threshold", None) is not None:  # generic calibration (task without a bibliography)
        return (f"title-topic cosine >= {thr:.3f}, a generic cut (z >= {cal.z_threshold:.2f} vs the shipped "
                f"off-topic pools) with AUROC {fmt_figure(cal.auroc_off_topic)} and leave-one-task-out TPR "
                f"{fmt_figure(cal.loo_tpr)} / FPR {fmt_figure(cal.loo_fpr)} on {len(cal.fit_tasks)} suite tasks")
    return (f"in the bibliography or title-topic cosine >= {thr:.3f}, calibrated AUROC {fmt_figure(cal.auroc_off_topic)} "
            f"vs off-topic, {fmt_figure(cal.auroc_near_topic)} vs near-topic")


def fmt_figure(x: float | None) -> str:
    """A calibration figure in an explanation: three decimals, or n/a."""
    return "n/a" if x is None else f"{x:.3f}"


METHOD = RelevanceMethod("title_similarity", judge_title_similarity, measures="cosine of the reference's title "
                         "to the task topic and outline (MiniLM) against a per-task calibrated cut; bibliography "
                         "papers are on-topic")
