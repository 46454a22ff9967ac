"""Chinese titles glossed into English technical terms, so relevance judges them in MiniLM's space.

The multilingual USE space separates topics much less well than MiniLM (a Chinese "AI hallucination: causes and
countermeasures" falls below the hallucination task's cut there). A Chinese technical title is mostly terms of
art, so a word-for-word gloss through a shipped glossary (harness/data/relevance/zh_glossary.tsv: Chinese renderings
of the suite bibliographies' most frequent English title terms and topic words, see the README there) keeps what
relevance needs. Greedy longest match over Han characters; Latin runs (model names, acronyms) are kept; unmatched
Han characters are dropped. `coverage` is the share of Han characters the glossary matched: below MIN_COVERAGE the
gloss keeps too little of the title (measured on the shipped translations) and the title stays in the USE space.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from harness.core.errors import HarnessError

GLOSSARY = Path(__file__).resolve().parents[1] / "data" / "relevance" / "zh_glossary.tsv"
MIN_COVERAGE = 0.3  # shipped translations, neighbours cut: 0 of 6 glosses below it passed, 52 of 60 above
_HAN = re.compile(r"[\u3400-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")


@dataclass(frozen=True)
class Gloss:
    """A title's English gloss and the share of its Han characters the glossary matched."""

    text: str
    coverage: float


def load_glossary(path: Path = GLOSSARY) -> dict[str, str]:
    """Chinese term -> English from a two-column TSV ('#' lines are comments); a bad line names file and line."""
    out: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise HarnessError("expected 'chinese<TAB>english'", path=path, field="entry", line=n)
        out[parts[0].strip()] = parts[1].strip()
    return out


@functools.lru_cache(maxsize=1)
def shipped_glossary() -> tuple[dict[str, str], str]:
    """The package's glossary and a hash of it and of this module (the gloss space's model id carries it, so a
    changed glossary or gloss rule never reads an old calibration), read once per process."""
    version = hashlib.sha256(GLOSSARY.read_bytes() + Path(__file__).read_bytes()).hexdigest()[:12]
    return load_glossary(GLOSSARY), version


def gloss(text: str, glossary: dict[str, str]) -> Gloss:
    """The English gloss of a title (unchanged when it has no Han character) and its coverage."""
    longest = max(map(len, glossary), default=0)
    out, i, han, hit = [], 0, 0, 0
    while i < len(text):
        if not _HAN.match(text[i]):
            out.append(text[i] if text[i].isalnum() or text[i] in "-+." else " ")
            i += 1
            continue
        size = next((n for n in range(min(longest, len(text) - i), 0, -1) if text[i:i + n] in glossary), 0)
        out.append(f" {glossary[text[i:i + size]]} " if size else " ")
        han, hit, i = han + max(size, 1), hit + size, i + max(size, 1)
    return Gloss(" ".join("".join(out).split()) if han else text, hit / han if han else 1.0)


@functools.lru_cache(maxsize=4096)
def shipped_gloss(text: str) -> Gloss:
    """`gloss` through the shipped glossary, once per text per process (routing, encoding and evidence all ask)."""
    return gloss(text, shipped_glossary()[0])


def _chinese(text: str) -> bool:
    return bool(_HAN.search(text)) and not _KANA.search(text)


def glossable(text: str, glossary: dict[str, str]) -> bool:
    """A Chinese title (Han characters, no Japanese kana) whose gloss reaches MIN_COVERAGE."""
    return _chinese(text) and gloss(text, glossary).coverage >= MIN_COVERAGE


def shipped_glossable(text: str) -> bool:
    """`glossable` through the shipped glossary, with its gloss kept for the encoder and the evidence."""
    return _chinese(text) and shipped_gloss(text).coverage >= MIN_COVERAGE


class GlossEmbedder:
    """An encoder that glosses each text before the inner (MiniLM) encoder embeds it; English text is unchanged, so
    calibrations in this space are MiniLM's, keyed by its own model id (inner model + glossary and gloss code hash)."""

    def __init__(self, inner, glossary: dict[str, str] | None = None, version: str | None = None):
        table, sha = shipped_glossary() if glossary is None else (glossary, version or "custom")
        self.inner, self.glossary = inner, table
        self.model_id = f"{getattr(inner, 'model_id', 'encoder')}+zh-gloss@{sha}"
        self.model_path = self.model_id

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """The inner encoder's vectors of the texts' glosses."""
        shipped = self.glossary is shipped_glossary()[0]
        return self.inner.encode([(shipped_gloss(t) if shipped else gloss(t, self.glossary)).text for t in texts])
