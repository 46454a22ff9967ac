"""Copying is not support: a citing sentence that reproduces the cited paper's title or abstract is `copied`.

A sentence is copied from a source when it is a whole cited title with fewer than MIN_OWN content words of its
own, or when most of its content words (COPY_SHARE, function words dropped) lie in
runs of at least NGRAM consecutive content words that also occur, in that order, in the source (the cited title
or abstract). Pasting a title with a few filler words ("Work on <title> is discussed here") or an abstract's
first sentence is copied; a sentence that names a paper and then states what it found adds words of its own
and is not. Support scoring counts copied pairs apart, never as supported; the gaming metrics use the same rule.
"""

from __future__ import annotations

from typing import Literal

from harness.core.text import content_words

NGRAM = 3  # shortest shared run of content words that counts as copied text
COPY_SHARE = 0.6  # share of a sentence's content words inside shared runs at which it is copied
MIN_WORDS = 3  # a sentence with fewer content words is too short to call copied
MIN_OWN = 4  # a sentence holding a whole title (2+ words) and fewer other content words than this is the title

Source = Literal["title", "abstract"]


def _grams(words: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def copied_share(sentence_words: list[str], source_words: list[str]) -> float:
    """Share of the sentence's content words covered by NGRAM-word runs that also occur in the source."""
    if len(source_words) < NGRAM:
        return 0.0
    return covered_share(sentence_words, _grams(source_words))


def source_grams(texts) -> set[tuple[str, ...]]:
    """The NGRAM-word runs of several sources (e.g. every cited title and abstract), for `covered_share`."""
    out: set[tuple[str, ...]] = set()
    for t in texts:
        out |= _grams(content_words(t or ""))
    return out


def covered_share(sentence_words: list[str], grams: set[tuple[str, ...]]) -> float:
    """Share of the sentence's content words inside NGRAM-word runs found in `grams`."""
    if len(sentence_words) < NGRAM or not grams:
        return 0.0
    covered = [False] * len(sentence_words)
    for i in range(len(sentence_words) - NGRAM + 1):
        if tuple(sentence_words[i:i + NGRAM]) in grams:
            covered[i:i + NGRAM] = [True] * NGRAM
    return sum(covered) / len(sentence_words)


def copied_from(sentence: str, title: str | None, abstract: str | None) -> Source | None:
    """Which source the sentence reproduces ("title" or "abstract"), or None when it says something of its own.

    Title and abstract count together (a pasted title followed by the abstract's opening is copied); the source
    named is the one that covers more of the sentence.
    """
    words = content_words(sentence)
    if len(words) < MIN_WORDS:
        return None
    t = content_words(title or "")
    a = content_words(abstract or "")
    if _title_with_filler(words, t):
        return "title"
    both = copied_share(words, t + ["\0"] + a)  # the separator keeps a run from spanning title and abstract
    if both < COPY_SHARE:
        return None
    return "title" if copied_share(words, t) >= copied_share(words, a) else "abstract"


def _title_with_filler(words: list[str], title: list[str]) -> bool:
    """The whole title (2+ content words) in the sentence, with fewer than MIN_OWN content words of its own
    ("Work on <short title> is discussed here" for any title length)."""
    n = len(title)
    if n < 2 or len(words) - n >= MIN_OWN:
        return False
    return any(words[i:i + n] == title for i in range(len(words) - n + 1))
