"""Judge cards: the versioned record of one validation of a judge method against one label set, and their store.

A card holds the judge, method, model, prompt hash and calibration id the method reported, the label set
(name, path, split, content hash, whose labels), every agreement figure, the harness version and the date.
Cards are cached under $HARNESS_CACHE_DIR/judge_cards/<key>.json, the key hashing what the figures depend on
(as calibrations are keyed): judge, method, model, label content hash, split, sample limit and seed, the
embedding model id, and the source of the method's module, of the prompts and of harness/judges. The cards
shipped with the harness (harness/judges/cards/, written by scripts/trust_table.py) are read after the cache.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib
import json
import sys
from pathlib import Path

from pydantic import BaseModel, Field

import harness
from harness.core.fileio import atomic_write
from harness.judges.agreement import Agreement, Figures

CARD_VERSION = 1
SHIPPED_DIR = Path(__file__).resolve().parent / "cards"
HEADLINE = "balanced_accuracy"  # the figure a report line shows
# the modules a validation's figures depend on besides the method's own (their source is part of a card's key)
FIGURE_MODULES = ("harness.judges.schema", "harness.judges.labelsets", "harness.judges.validate",
                  "harness.judges.agreement")


class LabelSetRef(BaseModel):
    """Which labels a card was measured on."""

    name: str
    path: str
    split: str | None = None
    sha256: str
    who: str
    limit: int | None = None  # a seeded stratified sample of this many items (None: all)


class JudgeCard(BaseModel):
    """One validation of a judge method against people (see the module docstring)."""

    version: int = CARD_VERSION
    key: str
    judge: str
    method: str
    measures: str = ""
    model: str | None = None
    prompt_hash: str | None = None
    calibration_id: str | None = None
    label_set: LabelSetRef
    figures: Agreement
    details: dict = Field(default_factory=dict)
    harness_version: str = harness.__version__
    date: str = Field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))

    @property
    def overall(self) -> Figures:
        return self.figures.overall

    def line(self, figure: str = HEADLINE) -> str:
        """One line for a report: 'support (similarity): balanced accuracy 0.52 [0.46, 0.58] vs SciFact experts'."""
        est = getattr(self.overall, figure)
        auc = self.overall.auroc
        return (f"{self.judge} ({self.method}{', ' + self.model if self.model and self.method != 'similarity' else ''})"
                f": {figure.replace('_', ' ')} {est.text()}"
                + (f", AUROC {auc.text()}" if auc.value is not None else "")
                + f" vs {self.label_set.who} ({self.label_set.name}"
                + (f" {self.label_set.split}" if self.label_set.split else "") + f", n={self.overall.n})")


def store_dir() -> Path:
    """Where cards are cached: beside the calibrations."""
    from harness.scorers.calibration_cache import cache_dir

    return cache_dir().parent / "judge_cards"


def _source_hash(modules: list[str]) -> str:
    h = hashlib.sha256()
    for name in modules:
        path = getattr(sys.modules.get(name) or importlib.import_module(name), "__file__", None)
        h.update(Path(path).read_bytes() if path else name.encode())
    for p in sorted((Path(harness.__file__).parent / "scorers" / "prompts").glob("*")):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def card_key(judge: str, method: str, model: str | None, label_sha256: str, split: str | None, limit: int | None,
             seed: int, method_module: str, embedder_id: str) -> str:
    """The cache key of a validation: what its figures depend on (module docstring)."""
    code = _source_hash([method_module, *FIGURE_MODULES])
    blob = "\0".join(map(str, (CARD_VERSION, judge, method, model, label_sha256, split, limit, seed,
                                embedder_id, code)))
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def save(card: JudgeCard, directory: Path | None = None) -> Path:
    """Write a card atomically to the store (or `directory`); its path."""
    path = (directory or store_dir()) / f"{card.key}.json"
    atomic_write(path, card.model_dump_json(indent=1))
    return path


def load(key: str) -> JudgeCard | None:
    """The cached card of a key, or None (a damaged or older-version card is a miss)."""
    path = store_dir() / f"{key}.json"
    return _read(path)


def _read(path: Path) -> JudgeCard | None:
    try:
        card = JudgeCard.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return card if card.version == CARD_VERSION else None


def all_cards() -> list[JudgeCard]:
    """Every readable card, cached ones and shipped ones, newest first."""
    cards = [c for d in (store_dir(), SHIPPED_DIR) if d.is_dir() for p in sorted(d.glob("*.json"))
             if (c := _read(p)) is not None]
    return sorted(cards, key=lambda c: c.date, reverse=True)


def latest(judge: str, method: str, model: str | None = None, prefer: tuple[str, ...] = ()) -> JudgeCard | None:
    """The newest card of a judge method (and model, when given), preferring label sets in `prefer` order."""
    cards = [c for c in all_cards() if c.judge == judge and c.method == method
             and (model is None or c.model in (None, model) or c.details.get("model_requested") == model)]
    for name in prefer:
        hit = next((c for c in cards if c.label_set.name == name and c.label_set.limit is None), None)
        if hit is not None:
            return hit
    return cards[0] if cards else None


def dump_json(card: JudgeCard) -> str:
    return json.dumps(card.model_dump(mode="json"), ensure_ascii=False)
