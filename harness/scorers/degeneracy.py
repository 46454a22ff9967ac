"""Degeneracy: what a text built to win without being a review looks like — repetition, copying, citation dumps,
empty sections — and which citations are made in substance (the rule coverage's substantive scores use).

A sentence *repeats* an earlier one when at least REPEAT_SHARE of its content-word trigrams (digits folded, so
"filler 1" and "filler 2" are one sentence) already occurred earlier in the review. A citation is *in substance*
when its sentence (its first occurrence) carries at most DUMP_K distinct citations, is not a repeat, does not
reproduce the cited paper's title or abstract (`harness.scorers.copying.copied_from`), has at least
MIN_OWN_WORDS content words of its own (not markers, numbers or words of the cited titles), and shares a
distinctive word (over three letters) with the cited paper's title or abstract where either is known.
"""

from __future__ import annotations

import bisect
import re
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from harness.models import Review, Score, Section, Task
from harness.papers.resolve import ResolvedReview
from harness.scorers.cited import CitedItem, cited_items
from harness.scorers.copying import COPY_SHARE, MIN_WORDS, copied_from, covered_share, source_grams
from harness.scorers.family import Direction, scorer_family
from harness.core.text import content_words, count_words, headings, marker_spans, strip_markers

if TYPE_CHECKING:
    from harness.scorers import ScoringContext

SCORES: dict[str, Direction] = {
    "degeneracy.repeated_sentences": "lower",
    "degeneracy.repeated_ngrams": "lower",
    "degeneracy.compressibility": "lower",
    "degeneracy.copied": "lower",
    "degeneracy.dumped_citations": "lower",
    "degeneracy.empty_sections": "lower",
}
ABOUT = {
    "degeneracy.repeated_sentences": "share of prose sentences that repeat an earlier one (near-duplicates count)",
    "degeneracy.repeated_ngrams": "share of word 4-gram occurrences that already occurred earlier in the text",
    "degeneracy.compressibility": "1 - zlib-compressed size / raw size of the prose (padding compresses well)",
    "degeneracy.copied": "share of citation pairs whose sentence reproduces the cited paper's title or abstract",
    "degeneracy.dumped_citations": "share of citation occurrences with no substantive sentence: one citing more "
                                   "than DUMP_K references, with no words of its own, or repeating an earlier one",
    "degeneracy.empty_sections": "share of headings with no prose under them (before the next heading at the "
                                 "same or a higher level)",
}
NAMES = list(SCORES)

REPEAT_SHARE = 0.7  # share of a sentence's trigrams seen earlier at which it is a repeat
DUMP_K = 6  # a sentence citing more distinct references than this is a citation dump
MIN_OWN_WORDS = 4  # content words of its own a citing sentence needs to be in substance
NGRAM = 4  # word n-grams of degeneracy.repeated_ngrams
MIN_COMPRESS_CHARS = 400
JUDGED_CHARS = 1500  # characters of a citing sentence judged for substance (support.SENTENCE_CAP)  # shorter prose compresses too little for the ratio to mean anything

_SEP = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\[\(\"'])")
_HEAD = re.compile(r"^\s{0,3}#{1,6}\s")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_HAS_WORD = re.compile(r"[^\W_]", re.UNICODE)
_RANGE = re.compile(r"(\d{1,4})\s*[\-–]\s*(\d{1,4})")


@dataclass
class Sentence:
    """One prose sentence of the body: its span, text and whether it repeats an earlier one."""

    start: int
    end: int
    text: str
    repeat: bool = False


def prose_sentences(text: str) -> list[Sentence]:
    """Sentences of the body's prose (headings, fences, tables and list markers aside) with their offsets."""
    out: list[Sentence] = []
    pos, in_fence, block, block_start = 0, False, [], 0
    for line in text.splitlines(keepends=True):
        s = line.strip()
        if s.startswith(("```", "~~~")):
            in_fence = not in_fence
        is_prose = bool(s) and not in_fence and not _HEAD.match(line) and not s.startswith(("```", "~~~", "|"))
        if is_prose:
            if not block:
                block_start = pos
            block.append(line)
        elif block:
            out += _split_block("".join(block), block_start)
            block = []
        pos += len(line)
    if block:
        out += _split_block("".join(block), block_start)
    _mark_repeats(out)
    return out


def _split_block(block: str, base: int) -> list[Sentence]:
    out, start = [], 0
    for m in [*_SEP.finditer(block), None]:
        end = m.start() if m else len(block)
        piece = block[start:end]
        if piece.strip() and out and not _HAS_WORD.search(strip_markers(piece)):
            out[-1].end = base + end  # "… results. [12]": a marker-only piece belongs to the sentence before it
            out[-1].text += " " + " ".join(piece.split())
        elif piece.strip():
            lead = len(piece) - len(piece.lstrip())
            out.append(Sentence(base + start + lead, base + end, " ".join(piece.split())))
        start = m.end() if m else len(block)
    return out


def _trigrams(sentence: str) -> list[tuple[str, ...]]:
    words = [re.sub(r"\d+", "0", w) for w in content_words(strip_markers(sentence))]
    if len(words) < 3:
        return [tuple(words)] if words else []
    return [tuple(words[i:i + 3]) for i in range(len(words) - 2)]


def _mark_repeats(sentences: list[Sentence]) -> None:
    seen: set[tuple[str, ...]] = set()
    for s in sentences:
        grams = _trigrams(s.text)
        if grams and sum(g in seen for g in grams) >= REPEAT_SHARE * len(grams):
            s.repeat = True
        seen.update(grams)


def own_words(review: Review, items: list[CitedItem]) -> int:
    """Words of the body minus those of repeated sentences and of sentences reproducing the title or abstract of
    any paper the review cites (the `copied` rule over all cited sources): pasting earns no length."""
    sents = prose_sentences(review.text)
    total = count_words(review.text, marker_spans(review.citations))
    grams = source_grams(t for it in items for t in (it.title, it.abstract))
    copied = [s for s in sents if not s.repeat and _pasted(s.text, grams)]
    return max(0, total - sum(count_words(s.text) for s in sents if s.repeat) - sum(count_words(s.text)
                                                                                   for s in copied))


def _pasted(text: str, grams: set) -> bool:
    words = content_words(strip_markers(text[:JUDGED_CHARS]))
    return len(words) >= MIN_WORDS and covered_share(words, grams) >= COPY_SHARE


@dataclass
class CitationUse:
    """One citation occurrence (sentence occurrence x cited item) and why it is or is not in substance."""

    item: str
    sentence: str
    copied: str | None = None  # "title" / "abstract" when the sentence reproduces the cited paper's
    repeat: bool = False
    dump: bool = False  # the sentence cites more than DUMP_K references
    bare: bool = False  # fewer than MIN_OWN_WORDS words of its own, or no word in common with the cited paper
    reasons: list[str] = field(default_factory=list)

    @property
    def substantive(self) -> bool:
        return not (self.copied or self.repeat or self.dump or self.bare)


def citation_uses(review: Review, items: list[CitedItem]) -> list[CitationUse]:
    """Every citation occurrence of the text, per sentence occurrence and cited item, with its substance flags."""
    by_key = {k: it for it in items for k in it.keys}
    sents = prose_sentences(review.text)
    starts = [s.start for s in sents]
    groups: dict[object, tuple[str, bool, list[CitedItem], list[int]]] = {}
    for c in review.citations:
        i = bisect.bisect_right(starts, c.offset) - 1
        where = i if 0 <= i < len(sents) and sents[i].start <= c.offset <= sents[i].end else ("raw", c.offset)
        text, repeat = (sents[i].text, sents[i].repeat) if isinstance(where, int) else (c.sentence, False)
        group = groups.setdefault(where, (text, repeat, [], [0]))
        group[3][0] += max(len(c.keys), _range_size(c.marker))
        for k in c.keys:
            if k in by_key and all(x.key != by_key[k].key for x in group[2]):
                group[2].append(by_key[k])
    out: list[CitationUse] = []
    for text, repeat, cited, named in groups.values():
        text = text[:JUDGED_CHARS]  # a run-on line is judged on its start, as support judges it
        titles = {w for it in cited for w in content_words(it.title or "")}
        words = content_words(strip_markers(text))
        own = [w for w in words if w not in titles and not w.isdigit()]
        for it in cited:
            out.append(CitationUse(item=it.key, sentence=text, repeat=repeat, dump=max(named[0], len(cited)) > DUMP_K,
                                   bare=len(own) < MIN_OWN_WORDS or _unrelated(words, it),
                                   copied=copied_from(strip_markers(text), it.title, it.abstract)))
    return out


def _range_size(marker: str) -> int:
    """How many references a numeric marker's ranges name ('[1-191]' names 191, whatever the reader expanded)."""
    return sum(int(b) - int(a) + 1 for a, b in _RANGE.findall(marker or "") if int(b) >= int(a))


def _unrelated(words: list[str], item: CitedItem) -> bool:
    """True when the cited paper's title and abstract are known and share no distinctive word with the sentence
    (a generic line such as "Many studies address this topic [3]" says nothing about the paper it cites)."""
    if not (item.title or item.abstract):
        return False
    known = {w for w in content_words(f"{item.title or ''} {item.abstract or ''}") if len(w) > 3}
    return not any(w in known for w in words if len(w) > 3)


def substantive_items(uses: list[CitationUse]) -> set[str]:
    """Cited item keys with at least one citation in substance."""
    return {u.item for u in uses if u.substantive}


def _ngram_repeat(text: str) -> tuple[int, int]:
    words = _WORD.findall(strip_markers(text).lower())
    grams = [tuple(words[i:i + NGRAM]) for i in range(len(words) - NGRAM + 1)]
    seen: set[tuple[str, ...]] = set()
    rep = 0
    for g in grams:
        rep += g in seen
        seen.add(g)
    return rep, len(grams)


def section_contents(review: Review) -> list[tuple[str, int, int]]:
    """(heading, level, words of text under it before the next heading at the same or a higher level), from the
    text's markdown headings, else the reader's sections and their offsets (LaTeX); heading lines not counted."""
    secs = [Section(level=lv, title=t, offset=o) for lv, t, o in headings(review.text)] or sorted(
        review.sections, key=lambda x: x.offset)
    starts = {x.offset for x in secs}
    text = review.text
    out = []
    for i, sec in enumerate(secs):
        end = next((x.offset for x in secs[i + 1:] if x.level <= sec.level), len(text))
        pos, words = sec.offset, 0
        for line in text[sec.offset:end].splitlines(keepends=True):
            if pos not in starts and not _HEAD.match(line):
                words += count_words(line)
            pos += len(line)
        out.append((sec.title, sec.level, words))
    return out


@scorer_family("degeneracy", scores=SCORES, about=ABOUT)
def score_degeneracy(resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
    """degeneracy.*: repetition, compressibility, copying, citation dumps and empty sections (lower is better)."""
    review = resolved.review
    if not review.text.strip():
        return [Score.na(n, "the review has no text") for n in NAMES]
    return [*_repetition(review.text), *_citation_scores(review, task, resolved), _empty(review)]


def _repetition(text: str) -> list[Score]:
    sents = prose_sentences(text)
    out = []
    if not sents:
        out.append(Score.na("degeneracy.repeated_sentences", "the review has no prose sentences"))
    else:
        rep = [s.text[:120] for s in sents if s.repeat]
        out.append(Score.ok("degeneracy.repeated_sentences", len(rep) / len(sents),
                            f"{len(rep)} of {len(sents)} prose sentences repeat an earlier one (>= "
                            f"{REPEAT_SHARE:.0%} of their content-word trigrams seen before, digits folded)",
                            repeated=len(rep), sentences=len(sents), examples=list(dict.fromkeys(rep))[:5]))
    prose = " ".join(s.text for s in sents)
    rep, n = _ngram_repeat(prose)
    out.append(Score.ok("degeneracy.repeated_ngrams", rep / n, f"{rep} of {n} word {NGRAM}-grams of the prose "
                        "occurred earlier in it", repeated=rep, ngrams=n) if n else
               Score.na("degeneracy.repeated_ngrams", f"the prose has fewer than {NGRAM} words"))
    raw = " ".join(strip_markers(prose).split()).encode()
    if len(raw) < MIN_COMPRESS_CHARS:
        out.append(Score.na("degeneracy.compressibility", f"the prose has {len(raw)} characters (< "
                            f"{MIN_COMPRESS_CHARS}): too short for a compression ratio"))
    else:
        packed = len(zlib.compress(raw, 9))
        out.append(Score.ok("degeneracy.compressibility", 1 - packed / len(raw),
                            f"the prose compresses from {len(raw)} to {packed} bytes (zlib level 9); natural prose "
                            "stays near 0.6, repeated text approaches 1", raw_bytes=len(raw), packed_bytes=packed))
    return out


def _citation_scores(review: Review, task: Task, resolved: ResolvedReview) -> list[Score]:
    names = ("degeneracy.copied", "degeneracy.dumped_citations")
    if not review.citations:
        return [Score.na(n, "the review has no in-text citations") for n in names]
    items = cited_items(review, task, resolved.report.classes)
    uses = citation_uses(review, items)
    if not uses:
        return [Score.na(n, "no in-text citation names a reference entry or pool paper") for n in names]
    by_id = {it.key: it for it in items}
    checkable = [u for u in uses if by_id.get(u.item) and (by_id[u.item].title or by_id[u.item].abstract)]
    copied = [u for u in checkable if u.copied]
    out = [Score.ok(names[0], len(copied) / len(checkable),
                    f"{len(copied)} of {len(checkable)} citation occurrences (sentence x cited paper with a known "
                    "title or abstract) reproduce the cited title or abstract",
                    copied=len(copied), pairs=len(checkable),
                    from_title=sum(u.copied == "title" for u in copied),
                    examples=[u.sentence[:160] for u in copied[:3]]) if checkable else
           Score.na(names[0], "no cited paper has a known title or abstract to compare with")]
    dumped = [u for u in uses if u.dump or u.bare or u.repeat]
    out.append(Score.ok(names[1], len(dumped) / len(uses),
                        f"{len(dumped)} of {len(uses)} citation occurrences have no substantive sentence: one "
                        f"citing more than {DUMP_K} references ({sum(u.dump for u in uses)}), one with fewer than "
                        f"{MIN_OWN_WORDS} words of its own or none in common with the cited paper "
                        f"({sum(u.bare for u in uses)}), or a repeat of an earlier sentence "
                        f"({sum(u.repeat for u in uses)})", dumped=len(dumped), occurrences=len(uses), dump_k=DUMP_K))
    return out


def _empty(review: Review) -> Score:
    name = "degeneracy.empty_sections"
    secs = section_contents(review)
    if not secs:
        return Score.na(name, "the review has no headings")
    empty = [t for t, _, words in secs if words == 0]
    return Score.ok(name, len(empty) / len(secs), f"{len(empty)} of {len(secs)} headings have no prose under them",
                    empty=empty[:50], headings=len(secs))
