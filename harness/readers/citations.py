"""In-text citations: every marker (all styles of `harness.readers.markers`) with its sentence and section;
fenced code is skipped."""

from __future__ import annotations

import bisect
import re

from harness.models import Citation, ReferenceEntry
from harness.readers.markers import REPEATS_KEPT, LinkContext, find_markers, numeric_keys
from harness.core.text import CITE_MARKER, NUMERIC_MARKER, headings, split_sentences

_HEADING_LINE = re.compile(r"^\s*#{1,6}\s")
# characters of a citing sentence kept: a run-on "sentence" of 5 MB is stored (and serialised with each of its
# citations) as its start; the support scorer judges the first 1,500 and flags longer ones either way
SENTENCE_KEPT = 4000
_ODD_SPACE = re.compile(r"[^\S ]| {2}")
_TO_SPACE = {c: " " for c in range(0x3001) if chr(c).isspace() and c != 32}
_ABBREV_END = re.compile(r"(?<![A-Za-z])(?:et al|e\.g|i\.e|cf|vs|Fig|Eq|Sec)\.$")


def marker_keys(marker: str) -> list[str]:
    """Keys named by one raw marker: '[3-5]' -> ['3', '4', '5'], '@cite_7' -> ['cite_7'] (order kept, no repeats)."""
    m = CITE_MARKER.fullmatch(marker)
    if m:
        return [f"cite_{int(m.group(1))}"]
    m = NUMERIC_MARKER.fullmatch(marker)
    if not m:
        return []
    return numeric_keys(m.group(1))


def flatten_space(s: str) -> str:
    """Whitespace runs to one space, ends stripped (like " ".join(s.split()), without a list of every word: a
    450 KB run-on sentence costs a copy or two, not 15 times its size)."""
    if not _ODD_SPACE.search(s):
        return s.strip()
    s = s.translate(_TO_SPACE)
    while "  " in s:
        s = s.replace("  ", " ")
    return s.strip()


def _paragraphs(body: str) -> list[tuple[int, str]]:
    """(offset, text) of prose paragraphs: blank lines, headings and fences end one; fenced code is skipped."""
    out: list[tuple[int, str]] = []
    start, buf = 0, []  # type: ignore[var-annotated]
    in_fence = False
    pos = 0
    for line in body.splitlines(keepends=True):
        s = line.strip()
        fence = s.startswith(("```", "~~~"))
        if fence or in_fence or not s or _HEADING_LINE.match(line):
            if buf:
                out.append((start, "".join(buf)))
                buf = []
            if fence:
                in_fence = not in_fence
        else:
            if not buf:
                start = pos
            buf.append(line)
        pos += len(line)
    if buf:
        out.append((start, "".join(buf)))
    return out


def link_context(entries: list[ReferenceEntry], body: str = "") -> LinkContext:
    """What marker finding knows about a reference list: numbers (shared ones too) and entries."""
    numbered = {k for e in entries for k in [e.key, *e.aliases] if k.isdigit()}
    has_brackets = bool(NUMERIC_MARKER.search(body)) if body else False
    return LinkContext(numbered=numbered, entries=list(entries), allow_paren=bool(numbered) and not has_brackets)


def _sentence_spans(para: str) -> list[tuple[int, int, str]]:
    """(start, end, sentence) for the sentences of a paragraph."""
    bounds: list[list[int]] = []
    cursor = 0
    for sent in split_sentences(para):
        pos = para.find(sent, cursor)
        if pos < 0:
            pos = cursor
        if bounds and _ABBREV_END.search(para, max(0, bounds[-1][1] - 8), bounds[-1][1]):
            bounds[-1][1] = pos + len(sent)  # "Smith et al. (2023) show …" is one sentence, not two
        else:
            bounds.append([pos, pos + len(sent)])
        cursor = pos + len(sent)
    return [(a, b, para[a:b]) for a, b in bounds]


def extract_citations(body: str, entries: list[ReferenceEntry] | None = None,
                      ctx: LinkContext | None = None, notes: list[str] | None = None) -> list[Citation]:
    """All citation markers of a markdown body, in order, each with its sentence, keys and section title.

    `entries` (the reference list) lets the reader accept the forms that need a numbered list (bare numbers,
    (n), $n$, superscripts) and match author-year citations to entries. A marker repeating an earlier one of its
    sentence (same keys, same style) more than `REPEATS_KEPT` times is not counted again; `notes` (a list)
    receives a warning saying how many."""
    ctx = ctx or link_context(entries or [], body)
    heads = headings(body)
    head_offsets = [h[2] for h in heads]
    out: list[Citation] = []
    folded = 0
    for para_off, para in _paragraphs(body):
        spans = _sentence_spans(para)
        starts = [s for s, _, _ in spans]
        markers = find_markers(para, ctx, starts)
        folded += sum(mk.repeats for mk in markers)
        flat: dict[int, str] = {}  # each sentence is whitespace-normalised once, however many markers it holds
        for mk in markers:
            if not mk.keys:
                continue
            j = max(0, bisect.bisect_right(starts, mk.start) - 1) if spans else -1
            if j not in flat:
                flat[j] = flatten_space(spans[j][2] if spans else para)[:SENTENCE_KEPT]
            sentence = flat[j]
            offset = para_off + mk.start
            i = bisect.bisect_right(head_offsets, offset) - 1
            section = heads[i][1] if i >= 0 else None
            out.append(Citation(sentence=sentence, marker=mk.text, keys=mk.keys, section=section, offset=offset,
                                style=mk.style))
    if folded and notes is not None:
        notes.append(f"{folded} citation markers repeat the same works {REPEATS_KEPT} times or more in one sentence "
                     "(a looping run-on) and were not counted again")
    return out
