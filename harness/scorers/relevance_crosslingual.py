"""The cross-lingual offset of relevance: how much lower a non-English title scores than its English original.

In the multilingual USE space a Chinese title lies farther from English topic and bibliography text than the same
title in English does, so a cut calibrated on English titles calls translated on-topic titles off-topic. The offset
is measured on shipped translations (harness/data/relevance/translated_titles.jsonl: titles of the tasks'
bibliographies and of the off-topic pools, each with a Chinese translation written for this purpose; never a title
of a labelled review reference): the median, over the bibliography pairs, of score(English) - score(translation)
against the pair's own task. The relevance method lowers its cut for non-Latin titles by that much, and reports
what it does to the translated positives (TPR) and to the translated pool titles against every translated task (FPR).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness.core.errors import HarnessError
from harness.scorers.context import ScoringSuite

TRANSLATIONS = Path(__file__).resolve().parents[1] / "data" / "relevance" / "translated_titles.jsonl"
_FIELDS = ("task_id", "source", "title", "translation", "language")


@dataclass(frozen=True)
class Translation:
    """One shipped title with its translation; task_id None for an off-topic pool title."""

    task_id: str | None
    source: str
    title: str
    translation: str
    language: str


def load_translations(path: Path = TRANSLATIONS) -> tuple[Translation, ...]:
    """The translated titles of a JSONL file; a bad line is a one-line error naming file, field and line."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HarnessError(f"not JSON: {exc.msg}", path=path, line=n) from exc
        for name in _FIELDS:
            if name not in row or (name != "task_id" and not str(row[name] or "").strip()):
                raise HarnessError(f"missing '{name}'", path=path, field=name, line=n)
        out.append(Translation(**{k: row[k] for k in _FIELDS}))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def shipped_translations() -> tuple[Translation, ...]:
    """The package's translations, read once per process (every review with a non-Latin title asks for them)."""
    return load_translations(TRANSLATIONS)


@dataclass(frozen=True)
class TranslatedSuite:
    """The translations with the suite they are scored against: a calibration subject (content_hash covers both)."""

    translations: tuple[Translation, ...]
    suite: ScoringSuite = field(default_factory=ScoringSuite)
    suite_hash: str = ""  # the content hashes of the translated tasks with their suite (SuiteTask.content_hash)

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256(self.suite_hash.encode())
        for t in self.translations:
            h.update(json.dumps(t.__dict__, sort_keys=True, ensure_ascii=False).encode() + b"\n")
        return h.hexdigest()

    def compute_hash(self) -> str:
        return self.content_hash


@dataclass(frozen=True)
class CrossLingualShift:
    """How much lower translated titles score, and what lowering the cut by it does on the translations."""

    shift: float = 0.0
    n_pairs: int = 0
    n_negatives: int = 0
    languages: tuple[str, ...] = ()
    tpr_translated_before: float | None = None  # translated bibliography titles at the English cut
    tpr_translated_after: float | None = None  # ... at the lowered cut
    tpr_original: float | None = None  # their English originals at the English cut
    fpr_translated_negatives: float | None = None  # translated pool titles vs every translated task, lowered cut

    def details(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else list(v) if isinstance(v, tuple) else v)
                for k, v in self.__dict__.items()}


def measure_shift(en: np.ndarray, tr: np.ndarray, cuts: np.ndarray, neg: np.ndarray, neg_cuts: np.ndarray,
                  languages: tuple[str, ...]) -> CrossLingualShift:
    """The median drop en - tr over the positive pairs (each with its task's cut) and its effect on the translations."""
    if len(en) == 0:
        return CrossLingualShift()
    shift = float(np.median(en - tr))
    fpr = float(np.mean(neg >= neg_cuts - shift)) if len(neg) else None
    return CrossLingualShift(round(shift, 4), len(en), len(neg), languages, float(np.mean(tr >= cuts)),
                             float(np.mean(tr >= cuts - shift)), float(np.mean(en >= cuts)), fpr)
