"""Which judge each judged score counts the verdicts of, and the card line that says how far to trust it.

A score's judge kind is declared by its family (`judges=` in @scorer_family); the method and model are what
the score's details record (support and relevance scores carry `method` and `model`), or what a run's config
names. The card shown is the newest card of that judge, method and model, preferring the label sets closest to
what the harness judges (PRIMARY: papers' abstracts before web passages). No card: "not validated".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.fileio import atomic_write
from harness.judges import cards
from harness.scorers.family import families, judge_of
from harness.scorers.judge_methods import DEFAULT_RELEVANCE, DEFAULT_SUPPORT

PRIMARY = {"support": ("scifact", "check-covid", "expertqa", "wice"), "relevance": ("relevance-real-outputs",)}
DEFAULT_METHOD = {"support": DEFAULT_SUPPORT, "relevance": DEFAULT_RELEVANCE, "rubric": "rubric"}
# stored score details without a `method` come from runs made before methods were recorded: these were their judges
UNRECORDED_METHOD = {"support": "similarity", "relevance": "title_similarity", "rubric": "rubric"}
CARDS_DIR = "judge_cards"  # beside a run's manifest


@dataclass(frozen=True)
class JudgeUse:
    """One judge as a run uses it: kind, method, model, and the scores that count its verdicts."""

    judge: str
    method: str
    model: str | None
    metrics: tuple[str, ...]


def card_for(judge: str, method: str, model: str | None = None) -> cards.JudgeCard | None:
    """The card shown for a judge method (and model): the newest, on the preferred label sets first."""
    if model and method == "similarity":
        model = None  # the embedder is part of the card's key, not a choice a run makes
    return cards.latest(judge, method, model, PRIMARY.get(judge, ()))


def trust_line(judge: str, method: str, model: str | None = None) -> str:
    """'support (similarity): balanced accuracy 0.52 [0.46, 0.58] ... vs SciFact experts', or '... not validated'."""
    card = card_for(judge, method, model)
    if card is not None:
        return card.line()
    who = f"{judge} ({method}{', ' + model if model and method != 'similarity' else ''})"
    why = "" if judge in PRIMARY else " (no human label set for this judge yet)"
    return f"{who}: not validated{why}"


def uses_in_scores(rows: Iterable[tuple[str, Any]]) -> list[JudgeUse]:
    """The judges behind judged scores, from (score name, details) rows; one use per (judge, method, model)."""
    found: dict[tuple[str, str, str | None], list[str]] = {}
    for metric, details in rows:
        kind = judge_of(metric)
        if kind is None:
            continue
        d = details if isinstance(details, dict) else _json(details)
        method = str(d.get("method") or UNRECORDED_METHOD.get(kind, kind))
        model = d.get("model") if isinstance(d.get("model"), str) and method != "similarity" else None
        metrics = found.setdefault((kind, method, model), [])
        if metric not in metrics:
            metrics.append(metric)
    return [JudgeUse(k, m, mo, tuple(v)) for (k, m, mo), v in found.items()]


def uses_in_config(config: Any) -> list[JudgeUse]:
    """The judges a run's config makes its scores count: by the families it runs and the methods it names."""
    fams = families()
    names = config.scorers.families or list(fams)
    support = getattr(config.scorers, "support", None)
    relevance = getattr(config.scorers, "relevance", None)
    chosen = {"support": (getattr(support, "method", None) or DEFAULT_SUPPORT,
                          _model(getattr(support, "model", None)) or (config.scorers.judge_model
                                                                       if getattr(support, "method", "") == "llm"
                                                                       else None)),
              "relevance": (getattr(relevance, "method", None) or DEFAULT_RELEVANCE,
                            _model(getattr(relevance, "model", None))),
              "rubric": ("rubric", config.scorers.judge_model)}
    by: dict[str, list[str]] = {}
    for name in names:
        fam = fams.get(name)
        for metric, kind in (fam.judges.items() if fam is not None else ()):
            by.setdefault(kind, []).append(metric)
    return [JudgeUse(kind, *chosen.get(kind, (DEFAULT_METHOD.get(kind, kind), None)), tuple(ms))
            for kind, ms in by.items()]


def record_cards(run_dir: Path, uses: list[JudgeUse]) -> list[dict[str, Any]]:
    """Copy each used judge's card beside the run (RUN/judge_cards/<key>.json); the manifest's record of them."""
    out = []
    for u in uses:
        card = card_for(u.judge, u.method, u.model) if u.judge in PRIMARY else None
        entry = {"judge": u.judge, "method": u.method, "model": u.model, "metrics": list(u.metrics),
                 "card": card.key if card else None, "line": card.line() if card else trust_line(u.judge, u.method,
                                                                                                u.model),
                 "file": f"{CARDS_DIR}/{card.key}.json" if card else None}
        if card is not None:
            atomic_write(run_dir / CARDS_DIR / f"{card.key}.json", card.model_dump_json(indent=1))
        out.append(entry)
    return out


def _model(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value)) or None
    return value


def _json(text: Any) -> dict:
    try:
        out = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}
