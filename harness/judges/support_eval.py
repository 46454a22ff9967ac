"""Measure support methods on the shipped labels' test splits and on irrelevant citations (AUROC per set).

The method is called through SUPPORT_METHODS exactly as scoring calls it (one Claim per labelled pair, the
cited source as its Evidence); its per-pair value is ranked against the labels. The `cosine` column is
what `similarity` compares with its threshold: cosine(sentence, abstract). The irrelevant-citation check is
built from shipped data: for papers of a task bibliography, a sentence of the abstract held out against the
rest of its own title + abstract (`yes`) and against a distractor paper's (`no`; shared/data/pools).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from harness.core.errors import HarnessError
from harness.judges import support_labels as sl
from harness.scorers.calibration import auroc
from harness.scorers.judge_methods import SUPPORT_METHODS, Claim, Evidence
from harness.tasks.shipped import load_pool
from harness.tasks.suite import get_task
from harness.core.text import split_sentences

IRRELEVANT_TASKS = ("rag-llm-survey", "llm-hallucination-survey", "stfm-since-2024")
IRRELEVANT_POOL = "distractors-cs"  # ML-sounding 2025 papers on none of those topics (its description)
PAPERS_PER_TASK = 50


@dataclass
class _Ctx:
    """The part of a scoring context a support method reads when validated on labels."""

    embedder_obj: Any
    thresholds: dict
    judge_calls: Any = None
    judge_cache_dir: Any = None
    judge_model: str | None = None

    def embedder(self):
        return self.embedder_obj


def test_pairs(root: Path) -> dict[str, tuple[list[tuple[str, str | None, str]], np.ndarray]]:
    """Set name -> (pairs, yes/no labels) of every test split (Check-COVID: SUPPORT vs REFUTE only)."""
    out = {}
    for name, splits in sl.TEST_SPLITS.items():
        recs = [r for s in splits for r in sl.load_set(root, name, s)
                if not (name == "check-covid" and r.subgroup == "NOTENOUGHINFO")]
        out[name] = ([(r.sentence, *sl.source_text(r)) for r in recs],
                     np.asarray([r.label == "yes" for r in recs]))
    return out


def irrelevant_pairs(data_root: Path) -> tuple[list[tuple[str, str | None, str]], np.ndarray]:
    """(pairs, labels): held-out abstract sentences against their own paper (yes) and a distractor (no)."""
    pool = [p for p in load_pool(data_root / "pools" / f"{IRRELEVANT_POOL}.json").papers if p.abstract]
    pairs, ys, j = [], [], 0
    titles = {p.title for p in pool}
    for tid in IRRELEVANT_TASKS:
        used = 0
        for p in sorted(get_task(tid).papers, key=lambda p: p.id):
            sents = split_sentences(" ".join((p.abstract or "").split()))
            if len(sents) < 3 or used >= PAPERS_PER_TASK or p.title in titles:
                continue
            used += 1
            held, rest = sents[1], " ".join(sents[:1] + sents[2:])
            d = pool[j % len(pool)]
            j += 7  # a fixed stride through the pool
            pairs += [(held, p.title, rest), (held, d.title, d.abstract)]
            ys += [True, False]
    return pairs, np.asarray(ys)


def method_values(spec, pairs: list[tuple[str, str | None, str]], ctx: _Ctx) -> np.ndarray:
    """The registered method's per-pair value (its score, else its verdict as 0/1) for each pair (spec: a
    support.SupportSpec naming the method and its model)."""
    claims = [Claim(index=i, text=c, capped=False, evidence=[Evidence(str(i), t, x)])
              for i, (c, t, x) in enumerate(pairs)]
    res = SUPPORT_METHODS.get(spec.method).fn(claims, None, ctx, spec)
    if res.na:
        raise HarnessError(f"support method {spec.method!r} cannot be validated here: {res.na}")
    def value(i: int) -> float:  # NaN: the method gave no verdict (e.g. an unparseable judge reply)
        v = res.pairs.get((i, str(i)))
        return res.values.get((i, str(i)), np.nan if v is None else float(v))

    return np.asarray([value(i) for i in range(len(pairs))], dtype=np.float64)


def cosine_values(pairs: list[tuple[str, str | None, str]], embedder) -> np.ndarray:
    """cosine(sentence, abstract): what `similarity` thresholds."""
    a = embedder.encode([c for c, _, _ in pairs])
    b = embedder.encode([x for _, _, x in pairs])
    return np.einsum("ij,ij->i", a, b).astype(np.float64)


def _auroc(v: np.ndarray, y: np.ndarray) -> float | None:
    a = auroc(v[y], v[~y])
    return None if a is None else round(float(a), 4)


def measure_sets(labels_root: Path, embedder, values: Callable[[list], np.ndarray],
                 sets: tuple[str, ...] | None = None, limit: int | None = None) -> dict[str, dict]:
    """Set -> {n, method, cosine}: AUROC of `values(pairs)` and of the cosine on each test set and on the
    irrelevant check (`sets` picks some; `limit` keeps that many pairs of each, evenly spaced, for paid judges)."""
    every = test_pairs(labels_root)
    every["irrelevant"] = irrelevant_pairs(labels_root.parent)
    out = {}
    for name, (pairs, y) in every.items():
        if sets and name not in sets:
            continue
        if limit and len(pairs) > limit:
            keep = np.linspace(0, len(pairs) - 1, limit).astype(int)
            pairs, y = [pairs[i] for i in keep], y[keep]
        v = values(pairs)
        ok = ~np.isnan(v)  # pairs the method judged; AUROC over those only, and the share said
        out[name] = {"n": f"{int(y.sum())}/{int((~y).sum())}", "judged": f"{int(ok.sum())}/{len(v)}",
                     "method": _auroc(v[ok], y[ok]) if ok.any() else None,
                     "cosine": _auroc(cosine_values(pairs, embedder), y)}
    return out


def spec_values(spec, embedder, judge_calls: Any = None) -> Callable[[list], np.ndarray]:
    """`values` for measure_sets: the registered method of a SupportSpec, called as scoring calls it."""
    ctx = _Ctx(embedder, {}, judge_calls=judge_calls, judge_cache_dir=Path(".cache") / "judge")
    return lambda pairs: method_values(spec, pairs, ctx)
