"""Per-task relevance study: which text form, query and decision rule separate a task's bibliography from hard negatives.

Pure functions over embeddings (no I/O): `scripts/calibrate_tasks.py` gathers the papers, embeds them and writes
`tasks/calibration/study.json`; `render_table` turns that file into the table in tasks/README.md.

Operating point: the balanced-Youden cut (TPR minus mean FPR over CS, near-topic and physics), raised until at
most 5% of each off-topic class of the calibration half passes: the failure this guards against is off-topic
papers passing as on-topic, so off-topic false positives are capped.

Held-out rule: every paper (positives and each negative class) falls in the calibration half or the test half by
`split_of`; pool negatives always go to the test half (they are what scored reviews cite). Thresholds are fitted on
the calibration half only and every reported figure is measured on the test half, so no CS distractor is both a
calibration negative and a test item.
"""

from __future__ import annotations

import hashlib
import math
from typing import Sequence

import numpy as np

from harness.scorers.calibration import auroc, balanced_youden_threshold, rates_at

NEGATIVE_CLASSES = ("cs", "near", "physics")
OFF_TOPIC_CLASSES = ("cs", "physics")
MAX_OFF_TOPIC_FPR = 0.05
GOALS = {"cs": 0.95, "near": 0.90}


def study_hash(task) -> str:
    """Hash of a task without its stored calibration: a calibration applies only to the task it measured."""
    prov = {k: v for k, v in task.provenance.items() if k != "relevance_calibration"}
    return task.model_copy(update={"provenance": prov}).compute_hash()


def split_of(task_id: str, paper_id: str, in_pool: bool) -> str:
    """'test' for pool papers, else 'calibration' or 'test' by the parity of sha256(task_id:paper_id)."""
    if in_pool:
        return "test"
    return "calibration" if int(hashlib.sha256(f"{task_id}:{paper_id}".encode()).hexdigest(), 16) % 2 else "test"


def nearest_scores(vecs: np.ndarray, bib: np.ndarray, self_rows: Sequence[int] | None = None) -> np.ndarray:
    """Max cosine of each row to the bibliography rows; self_rows[i] = the row of bib that is item i (excluded)."""
    if len(vecs) == 0 or len(bib) == 0:
        return np.zeros(len(vecs), dtype=np.float64)
    sims = vecs @ bib.T
    if self_rows is not None:
        for i, j in enumerate(self_rows):
            if j is not None and j >= 0:
                sims[i, j] = -np.inf
    return sims.max(axis=1).astype(np.float64)


def capped_fpr_cut(neg: Sequence[float], max_fpr: float) -> float | None:
    """Lowest 4-decimal cut that lets at most floor(max_fpr * n) of the negatives score at or above it."""
    d = np.sort(np.asarray(neg, dtype=np.float64))[::-1]
    if d.size == 0:
        return None
    allowed = int(np.floor(max_fpr * d.size))
    if allowed >= d.size:
        return None
    return math.floor(d[allowed] * 1e4) / 1e4 + 1e-4


def operating_threshold(cal: dict[str, np.ndarray], max_off_topic_fpr: float = MAX_OFF_TOPIC_FPR) -> float | None:
    """Balanced-Youden cut over the three negative classes, raised until at most max_off_topic_fpr of each
    off-topic class (CS, physics) of the calibration half passes; 4 decimals."""
    thr = balanced_youden_threshold(cal["pos"], *(cal[c] for c in NEGATIVE_CLASSES))
    if thr is None:
        return None
    caps = [capped_fpr_cut(cal[c], max_off_topic_fpr) for c in OFF_TOPIC_CLASSES]
    return round(max([float(thr)] + [c for c in caps if c is not None]), 4)


def evaluate(cal: dict[str, np.ndarray], test: dict[str, np.ndarray]) -> dict:
    """Fit the operating threshold on the calibration scores; AUROC per negative class, TPR and FPR on the test scores."""
    thr = operating_threshold(cal)
    out: dict = {"threshold": thr,
                 "n_test": {k: int(len(v)) for k, v in test.items()},
                 "n_calibration": {k: int(len(v)) for k, v in cal.items()}}
    for c in NEGATIVE_CLASSES:
        a = auroc(test["pos"], test[c])
        out[f"auroc_{c}"] = None if a is None else round(a, 4)
        out[f"fpr_{c}"] = None if thr is None or not len(test[c]) else round(rates_at([], test[c], thr)["fpr"], 4)
    out["tpr"] = None if thr is None or not len(test["pos"]) else round(rates_at(test["pos"], [], thr)["tpr"], 4)
    return out


def meets_goals(row: dict) -> list[str]:
    """Which goals a measured configuration misses (empty when it meets them)."""
    missed = []
    for c, goal in GOALS.items():
        v = row.get(f"auroc_{c}")
        if v is None or v < goal:
            missed.append(f"AUROC vs {c} {'n/a' if v is None else f'{v:.3f}'} < {goal:.2f}")
    return missed


def _f(v, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def render_table(study: dict) -> str:
    """The markdown calibration table (one row per task, the chosen configuration) and the method comparison."""
    chosen = study["chosen"]
    lines = [f"Chosen: **{chosen}** (text `{study['configs'][chosen]['text']}`, query "
             f"`{study['configs'][chosen]['query']}`, rule `{study['configs'][chosen]['rule']}`); embedding model "
             f"`{study['embedding_model']}`. Held-out: thresholds fitted on the calibration half, every figure on "
             "the test half (pool negatives always in the test half). Operating point: balanced Youden, raised "
             "until at most 5% of each off-topic class (CS, physics) of the calibration half passes.", "",
             "| task | threshold | AUROC CS | AUROC near | AUROC physics | TPR | FPR CS | FPR near | FPR physics "
             "| test pos/CS/near/phys | CS dropped | support AUROC (papers) | goals |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for tid, t in sorted(study["tasks"].items()):
        r = t["configs"][chosen]
        n = r["n_test"]
        sup = t["support"]
        missed = meets_goals(r)
        lines.append(
            f"| {tid} | {_f(r['threshold'])} | {_f(r['auroc_cs'])} | {_f(r['auroc_near'])} | "
            f"{_f(r['auroc_physics'])} | {_f(r['tpr'], 2)} | {_f(r['fpr_cs'], 2)} | {_f(r['fpr_near'], 2)} | "
            f"{_f(r['fpr_physics'], 2)} | {n['pos']}/{n['cs']}/{n['near']}/{n['physics']} | {t['cs_dropped']} | "
            f"{_f(sup['auroc'])} ({sup['n_papers']}) | {'met' if not missed else 'missed: ' + '; '.join(missed)} |")
    lines += ["", "Mean over tasks per configuration (test half; `abs` rows: only papers with an abstract on both "
              "sides):", "", "| configuration | text | query | rule | AUROC CS | AUROC near | AUROC physics | TPR | "
              "tasks meeting both goals |", "|---|---|---|---|---|---|---|---|---|"]
    for name, cfg in study["configs"].items():
        rows = [t["configs"][name] for t in study["tasks"].values() if name in t["configs"]]
        mean = {k: _mean([r[k] for r in rows]) for k in ("auroc_cs", "auroc_near", "auroc_physics", "tpr")}
        ok = sum(1 for r in rows if not meets_goals(r))
        lines.append(f"| {name} | {cfg['text']} | {cfg['query']} | {cfg['rule']} | {_f(mean['auroc_cs'])} | "
                     f"{_f(mean['auroc_near'])} | {_f(mean['auroc_physics'])} | {_f(mean['tpr'], 2)} | "
                     f"{ok}/{len(rows)} |")
    return "\n".join(lines) + "\n"


def _mean(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None
