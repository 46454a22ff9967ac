"""Markdown reviews with numeric citations ([3], [3, 5], [3-5], [6]; [11]) and a trailing `[n]` reference list."""

from __future__ import annotations

import re

from harness.models import ReferenceEntry, Review, Section
from harness.readers.citations import extract_citations
from harness.readers.references import (
    ENTRY_LINE,
    REF_HEADING,
    find_reference_block,
    numbering_problems,
    parse_entries,
)
from harness.text import headings

NAME = "markdown"
_GENERIC_TITLES = {"abstract", "introduction", "overview", "summary", "contents", "table of contents"}


def parse(text: str, name: str | None = None, pool=None) -> Review:
    """A markdown file: body up to the last reference list; that list parsed into entries."""
    review = review_from_markdown(text, NAME)
    if pool:
        review.papers = list(pool)
    return review


def split_references(text: str) -> tuple[str, list[ReferenceEntry], list[str]]:
    """(body without the trailing reference list, entries, warnings)."""
    warnings: list[str] = []
    block = find_reference_block(text)
    if block is None:
        body, entries = text, []
        warnings.append("no reference list found")
    else:
        body, entries = text[:block.start], block.entries
        warnings += numbering_problems(entries)
        if block.ignored_lines:
            warnings.append(f"{block.ignored_lines} non-entry lines after the reference list were ignored")
    body, stray = strip_inner_reference_blocks(body)
    warnings += stray
    return body.rstrip() + ("\n" if body.strip() else ""), entries, warnings


def strip_inner_reference_blocks(body: str) -> tuple[str, list[str]]:
    """Remove reference lists that appear inside the text (a heading followed by `[n]` lines), with a warning."""
    lines = body.splitlines(keepends=True)
    keep: list[str] = []
    warnings: list[str] = []
    i = 0
    while i < len(lines):
        if REF_HEADING.match(lines[i]):
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and ENTRY_LINE.match(lines[j]):
                k = j
                while k < len(lines) and (ENTRY_LINE.match(lines[k]) or not lines[k].strip()):
                    k += 1
                entries, _ = parse_entries([ln.rstrip("\n") for ln in lines[j:k]])
                warnings.append(f"a reference list inside the text (line {i + 1}, {len(entries)} entries) "
                                "was left out of the body and not used")
                keep.append("\n")
                i = k
                continue
        keep.append(lines[i])
        i += 1
    return "".join(keep), warnings


def review_from_markdown(text: str, fmt: str) -> Review:
    """Shared by markdown-like formats: body, sections, citations, references and warnings."""
    body, entries, warnings = split_references(text)
    citations = extract_citations(body)
    sections = [Section(level=lv, title=t, offset=off) for lv, t, off in headings(body)]
    if not body.strip():
        warnings.append("no review text")
    elif entries and not citations:
        warnings.append("reference list but no in-text citations")
    return Review(source_format=fmt, text=body, title=_title(body), sections=sections, citations=citations,
                  references=entries, warnings=warnings)


def _title(body: str) -> str | None:
    """The first line when it is a level-1 heading with a specific (non-generic) title."""
    for line in body.splitlines():
        if not line.strip():
            continue
        m = re.match(r"^#\s+(.+?)\s*#*\s*$", line.strip())
        if m and m.group(1).strip(" *:").lower() not in _GENERIC_TITLES:
            return m.group(1).strip()
        return None
    return None
