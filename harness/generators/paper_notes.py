"""Templated one-sentence notes on papers, in the writer's own words (the extractive baseline's prose).

A note says what kind of contribution a paper makes (a rule over its title and abstract), the subject its title
names, and the terms that set its abstract apart from the other papers' abstracts. It never pastes a title or an
abstract sentence: the subject is one short phrase of the title, and the terms are single words listed in order of
distinctiveness, not in the abstract's order. Deterministic, no model.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Sequence

from harness.core.text import FUNCTION_WORDS
from harness.models import Paper

# Words too common in this literature to name a theme (the extractive writer's section headings) ...
TITLE_STOP = frozenset("""a an and are as at be by for from has have in into is it its of on or our that the their
this to using via we which with without based towards toward new large model models language learning data
approach method methods study survey paper work framework analysis llm llms""".split())
# ... or to say what one paper is about.
GENERIC = TITLE_STOP | frozenset("""results show shows propose proposed present also can however well both while more
most than these those such through over other only each many first two three one different various across within
between existing task tasks performance papers further recent used use uses achieve achieves significantly state
art extensive experiments demonstrate effective effectively novel improve improves improved approaches during
before after year years similar long time often even still much less very among upon since where while whether
them thus here would could should might must does done make makes made given give gives take takes second third
high good better best about being been were they another some what when""".split())
N_TERMS = 3  # distinctive abstract terms a note names
MAX_FOCUS_WORDS = 5  # longest title phrase a note names
COMMON_SHARE = 0.25  # a word in this share of the papers' titles is the topic's, not one paper's subject

_WORD = re.compile(r"[^\W_](?:[\w\-]*[^\W_])?", re.UNICODE)
_NAME = re.compile(r"[A-Z0-9][\w.\-+]*")

# (pattern, lower case) -> (what the authors do to a subject, the bare verb); the title is matched first, then
# the abstract (benchmark words only in the title: most method abstracts name the datasets they test on).
KINDS: tuple[tuple[str, tuple[str, str]], ...] = (
    (r"\b(survey|review|overview|tutorial)\b", ("survey", "survey")),
    (r"\b(benchmark|dataset|corpus|leaderboard)\b", ("introduce a benchmark for", "benchmark")),
    (r"\b(propose|introduce|present|develop|design)\w*\b", ("propose a method for", "approach")),
    (r"\b(investigate|analy[sz]e|examine|study|studies|evaluate|measure)\w*\b", ("study", "study")),
)
TITLE_ONLY = {"benchmark"}
DEFAULT_KIND = ("address", "address")
# Rotated so that consecutive notes do not share their wording; {terms} is empty for a paper without an abstract.
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("The authors of {cite} {kind} {focus}", ", with {terms} as the distinctive terms of the abstract"),
    ("In {cite}, the authors {kind} {focus}", "; the abstract singles out {terms}"),
    ("{Focus} is the subject of {cite}, where the authors {verb} it", " with emphasis on {terms}"),
)


def method_label(title: str) -> str | None:
    """The name before a title's colon ("PIQA: Reasoning about ..." -> "PIQA") when it reads as a name."""
    head = title.split(":", 1)[0].strip() if ":" in title else ""
    words = head.split()
    if not words or len(words) > 2 or len(head) > 24 or not all(_NAME.fullmatch(w) for w in words):
        return None
    return head if len(words) == 1 or any(re.search(r"[A-Z]{2}|[a-z][A-Z]|\d|-", w) for w in words) else None


def common_title_words(papers: Sequence[Paper], share: float = COMMON_SHARE) -> frozenset[str]:
    """Lower-case words in at least `share` of the papers' titles (the topic's own words: "graph", "neural")."""
    df = Counter(w for p in papers for w in {x.lower() for x in _WORD.findall(p.title)})
    return frozenset(w for w, c in df.items() if len(papers) > 1 and c >= share * len(papers))


def title_focus(title: str, common: frozenset[str] = frozenset()) -> str:
    """The subject a title names: of the runs of content words in its part after a method name's colon, the one
    with the most words outside GENERIC and `common` (then the longest, then the first), cut to MAX_FOCUS_WORDS;
    acronyms kept."""
    body = title.split(":", 1)[1] if ":" in title and method_label(title) else title
    runs, run = [], []
    for w in [*_WORD.findall(body), "the"]:
        if w.lower() in FUNCTION_WORDS:
            runs, run = runs + [run] if run else runs, []
        else:
            run.append(w if re.search(r"[A-Z].*[A-Z]", w) else w.lower())
    if not runs:
        return "its subject"
    best = max(runs, key=lambda r: (sum(w.lower() not in GENERIC | common for w in r), len(r), -runs.index(r)))
    return " ".join(best[:MAX_FOCUS_WORDS])


def contribution(paper: Paper) -> tuple[str, str]:
    """What the authors do (a phrase taking the subject, and its bare verb), by the first KINDS pattern the title
    matches, else the first the abstract matches."""
    for text, skip in ((paper.title.lower(), set()), ((paper.abstract or "").lower(), TITLE_ONLY)):
        kind = next((kind for pat, kind in KINDS if kind[1] not in skip and re.search(pat, text)), None)
        if kind:
            return kind
    return DEFAULT_KIND


def distinctive_terms(papers: Sequence[Paper], n: int = N_TERMS) -> list[list[str]]:
    """Per paper, up to n words of its abstract (not of its title) ranked by tf-idf over the papers' abstracts."""
    docs = [[w.lower() for w in _WORD.findall(p.abstract or "")] for p in papers]
    df = Counter(w for d in docs for w in set(d))
    out = []
    for p, d in zip(papers, docs):
        own_title = {w.lower() for w in _WORD.findall(p.title)}
        tf = Counter(w for w in d if _usable(w) and w not in own_title)
        ranked = sorted(tf, key=lambda w: (-tf[w] * math.log((1 + len(docs)) / df[w]), w))
        out.append(ranked[:n])
    return out


def _usable(word: str) -> bool:
    return len(word) > 3 and word not in GENERIC and word not in FUNCTION_WORDS and not any(c.isdigit() for c in word)


def note(paper: Paper, n: int, terms: list[str], variant: int, common: frozenset[str] = frozenset()) -> str:
    """One sentence on paper [n]: its kind of contribution, its title's subject (`title_focus` with `common`)
    and its distinctive terms."""
    label = method_label(paper.title)
    (kind, verb), focus = contribution(paper), title_focus(paper.title, common)
    head, tail = TEMPLATES[variant % len(TEMPLATES)]
    listed = ", ".join(terms[:-1]) + f" and {terms[-1]}" if len(terms) > 1 else "".join(terms)
    text = head.format(cite=f"{label} [{n}]" if label else f"[{n}]", kind=kind, verb=verb, focus=focus,
                       Focus=_cap(focus))
    return _cap(text) + (tail.format(terms=listed) if terms else "") + "."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


__all__ = ["GENERIC", "TITLE_STOP", "common_title_words", "contribution", "distinctive_terms", "method_label", "note", "title_focus"]
