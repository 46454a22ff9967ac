"""Text rules shared by readers, scorers and generators: word counting, sentences, citation markers."""

from __future__ import annotations

import re

# A numeric citation group: [3], [3, 5], [3; 5], [3-5], [3–5]; also @cite_N groups.
NUMERIC_MARKER = re.compile(r"\[(\d{1,4}(?:\s*[,;\-–]\s*\d{1,4})*)\]")
CITE_MARKER = re.compile(r"@cite_(\d{1,4})")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MARKDOWN_SYMBOLS = re.compile(r"[#*_`>|]")
_HAS_ALNUM = re.compile(r"[^\W_]", re.UNICODE)
_SENTENCE_END = re.compile(r"""[.!?]["')\]]*$|[.!?]["')\]]*\s*(?:\[[^\]]*\])+\.?$""")
_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\[\(\"'])")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# English function words (bm25s's list plus a few): without them long abstracts win on "the", "and", "of".
FUNCTION_WORDS = frozenset("""a an and are as at be but by for if in into is it no not of on or such that the their
then there these they this to was will with from its we our which via using based how what when""".split())


def expand_marker(inner: str) -> list[int]:
    """Numbers named by the inside of a numeric marker: '3, 5-7' -> [3, 5, 6, 7] (ranges capped at 200)."""
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", inner.strip()):
        if not part:
            continue
        rng = re.split(r"\s*[\-–]\s*", part)
        if len(rng) == 2 and rng[0].isdigit() and rng[1].isdigit():
            lo, hi = int(rng[0]), int(rng[1])
            if lo <= hi and hi - lo <= 200:
                out.extend(range(lo, hi + 1))
                continue
            out.extend([lo, hi])
        elif part.isdigit():
            out.append(int(part))
    return out


def strip_markers(text: str) -> str:
    """Remove numeric and @cite citation markers."""
    text = NUMERIC_MARKER.sub(" ", text)
    return CITE_MARKER.sub(" ", text)


def count_words(body: str, markers: list[tuple[int, int]] | None = None) -> int:
    """The one word rule: whitespace tokens with a letter or digit, markdown symbols and citation markers removed.

    `body` is the review body with its headings, without reference list and plan. `markers`: (start, end) spans
    of further citation markers to remove (the reader's bare numbers, superscripts, \\cite{…}; see
    `marker_spans`).
    """
    if markers:
        parts, pos = [], 0
        for start, end in sorted(markers):
            if start >= pos:
                parts.append(body[pos:start])
                pos = end
        body = " ".join(parts) + " " + body[pos:]
    cleaned = _MARKDOWN_SYMBOLS.sub(" ", strip_markers(body))
    return sum(1 for tok in cleaned.split() if _HAS_ALNUM.search(tok))


def marker_spans(citations) -> list[tuple[int, int]]:
    """Spans of citation markers that are not words: every style but author-year (names are words)."""
    return [(c.offset, c.offset + len(c.marker)) for c in citations
            if (c.style or "numeric") != "author-year" and c.offset >= 0]


def headings(body: str) -> list[tuple[int, str, int]]:
    """Markdown ATX headings as (level, title, char offset), skipping fenced code blocks."""
    out: list[tuple[int, str, int]] = []
    offset = 0
    in_fence = False
    for line in body.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            in_fence = not in_fence
        elif not in_fence:
            m = _HEADING.match(stripped)
            if m and m.group(2):
                out.append((len(m.group(1)), m.group(2).strip(), offset))
        offset += len(line)
    return out


def last_prose_line(body: str) -> str:
    """The last non-empty line that is not a heading, table rule or fence."""
    for line in reversed(body.splitlines()):
        s = line.strip()
        if not s or s.startswith("#") or s.startswith("```") or set(s) <= set("-|: *"):
            continue
        return s
    return ""


def ends_mid_sentence(body: str) -> bool:
    """True when the body's last prose line stops without sentence-final punctuation (a cut-off reply)."""
    last = last_prose_line(body)
    if not last:
        return False
    last = re.sub(r"[*_`]+$", "", last).rstrip()
    if last.startswith("|") and last.endswith("|"):
        return False
    return not _SENTENCE_END.search(last)


def split_sentences(paragraph: str) -> list[str]:
    """Split prose into sentences (a light rule; citation markers stay with their sentence)."""
    parts = _SENT_SPLIT.split(paragraph.strip())
    return [p.strip() for p in parts if p.strip()]


def paragraphs(body: str) -> list[str]:
    """Prose paragraphs of a markdown body: headings and fenced code removed."""
    out: list[str] = []
    buf: list[str] = []
    in_fence = False
    for line in body.splitlines():
        s = line.strip()
        if s.startswith("```") or s.startswith("~~~"):
            in_fence = not in_fence
            continue
        if in_fence or s.startswith("#") or not s:
            if buf:
                out.append(" ".join(buf))
                buf = []
            continue
        buf.append(s)
    if buf:
        out.append(" ".join(buf))
    return out


def content_words(text: str) -> list[str]:
    """Lower-case words of any script, without English function words (for overlap between texts)."""
    return [w for w in _WORD.findall(text.lower()) if w not in FUNCTION_WORDS]
