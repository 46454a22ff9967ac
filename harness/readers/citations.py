"""In-text citations: every `[n]`-style or `@cite_N` marker with its sentence and section (fenced code skipped)."""

from __future__ import annotations

import bisect
import re

from harness.models import Citation
from harness.text import (
    CITE_MARKER,
    NUMERIC_MARKER,
    expand_marker,
    headings,
    split_sentences,
)

_HEADING_LINE = re.compile(r"^\s*#{1,6}\s")


def marker_keys(marker: str) -> list[str]:
    """Keys named by one raw marker: '[3-5]' -> ['3', '4', '5'], '@cite_7' -> ['cite_7'] (order kept, no repeats)."""
    m = CITE_MARKER.fullmatch(marker)
    if m:
        return [f"cite_{int(m.group(1))}"]
    m = NUMERIC_MARKER.fullmatch(marker)
    if not m:
        return []
    return list(dict.fromkeys(str(n) for n in expand_marker(m.group(1))))


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


def extract_citations(body: str) -> list[Citation]:
    """All citation markers of a markdown body, in order, each with its sentence, keys and section title."""
    heads = headings(body)
    head_offsets = [h[2] for h in heads]
    out: list[Citation] = []
    for para_off, para in _paragraphs(body):
        if "[" not in para and "@cite_" not in para:
            continue
        cursor = 0
        for sent in split_sentences(para):
            pos = para.find(sent, cursor)
            if pos < 0:
                pos = cursor
            cursor = pos + len(sent)
            found = [(m.start(), m.group(0)) for m in NUMERIC_MARKER.finditer(sent)]
            found += [(m.start(), m.group(0)) for m in CITE_MARKER.finditer(sent)]
            if not found:
                continue
            sentence = " ".join(sent.split())
            for start, marker in sorted(found):
                keys = marker_keys(marker)
                if not keys:
                    continue
                offset = para_off + pos + start
                i = bisect.bisect_right(head_offsets, offset) - 1
                section = heads[i][1] if i >= 0 else None
                out.append(Citation(sentence=sentence, marker=marker, keys=keys, section=section, offset=offset))
    return out
