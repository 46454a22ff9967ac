"""Markdown reviews: citations of any style (`harness.readers.markers`) and reference sections of any style
(`harness.readers.references`), wherever they stand; each section ends at the next heading."""

from __future__ import annotations

import re

from harness.models import ReferenceEntry, Review, Section
from harness.readers.citations import extract_citations
from harness.readers.inline_links import link_entries
from harness.readers.references import find_reference_blocks, main_block, numbering_problems
from harness.core.text import headings

NAME = "markdown"
_GENERIC_TITLES = {"abstract", "introduction", "overview", "summary", "contents", "table of contents"}


def parse(text: str, name: str | None = None, pool=None) -> Review:
    """A markdown file: body without its reference sections; the main section parsed into entries."""
    review = review_from_markdown(text, NAME)
    if pool:
        review.papers = list(pool)
    return review


def split_references(text: str) -> tuple[str, list[ReferenceEntry], list[str]]:
    """(body without any reference section, the main list's entries, warnings).

    The main list is the last numbered section (else the last section); other sections are left out of the
    body and, when their entries are not merged into the main list, named in a warning."""
    warnings: list[str] = []
    blocks = find_reference_blocks(text)
    if not blocks:
        return text.rstrip() + ("\n" if text.strip() else ""), [], ["no reference list found"]
    main = main_block(blocks) or blocks[-1]
    entries = list(main.entries)
    have = {k for e in entries for k in [e.key, *e.aliases]}
    for b in blocks:
        if b is main:
            continue
        new = [e for e in b.entries if b.style == main.style and e.key not in have]
        if new and len(new) == len(b.entries):  # a list split in parts (e.g. by a page break): merged
            entries += new
            have |= {k for e in new for k in [e.key, *e.aliases]}
            continue
        if b.heading_line is None:
            continue  # loose reference lines: named by the warning of their first block
        line = b.heading_line
        warnings.append(f"a reference list inside the text (line {line}, {len(b.entries)} entries) was left out of the "
                        "body and not used")
    if main.heading_line is None:  # loose lines only: the list reads in the order of the text
        where = {id(e): b.start for b in blocks for e in b.entries}
        entries.sort(key=lambda e: where[id(e)])
    warnings += [w for b in blocks for w in b.warnings]
    warnings += numbering_problems(entries)
    ignored = sum(b.ignored_lines for b in blocks)
    if ignored:
        warnings.append(f"{ignored} non-entry lines inside the reference list were ignored")
    parts, pos = [], 0
    for b in sorted(blocks, key=lambda b: b.start):
        parts.append(text[pos:b.start])
        pos = b.end if b.end >= 0 else len(text)
    parts.append(text[pos:])
    body = "\n".join(p.strip("\n") for p in parts if p.strip())
    return body.rstrip() + ("\n" if body.strip() else ""), entries, warnings


def strip_inner_reference_blocks(body: str) -> tuple[str, list[str]]:
    """Remove reference sections inside a text (a references heading followed by entries), with a warning."""
    blocks = find_reference_blocks(body)
    blocks = [b for b in blocks if b.heading_line is not None]
    if not blocks:
        return body, []
    warnings, parts, pos = [], [], 0
    for b in blocks:
        parts.append(body[pos:b.start])
        pos = b.end
        warnings.append(f"a reference list inside the text (line {b.heading_line}, {len(b.entries)} entries) "
                        "was left out of the body and not used")
    parts.append(body[pos:])
    return "\n".join(p.rstrip("\n") for p in parts) + "\n", warnings


def link_warnings(citations, entries: list[ReferenceEntry], has_text: bool, fmt: str) -> list[str]:
    """What could not be read of the marker-to-reference link: list without markers, markers without list,
    markers that name no entry."""
    if not has_text:
        return []
    if entries and not citations:
        return ["reference list but no in-text citations"]
    keys = [k for c in citations for k in c.keys if not k.startswith("cite_")]
    if keys and not entries:
        return ["in-text citations but no reference list: the markers cannot be linked to references"]
    have = {k for e in entries for k in [e.key, *e.aliases]}
    missing = [k for k in keys if k not in have]
    if keys and len(missing) == len(keys):
        styles = sorted({c.style or "numeric" for c in citations})
        return [f"no in-text citation ({', '.join(styles)}) names an entry of the reference list: the markers "
                "cannot be linked to references"]
    ay = [c for c in citations if c.style == "author-year"]
    ay_missing = [k for c in ay for k in c.keys if k not in have]
    if ay_missing:
        return [f"{len(ay_missing)} author-year citations match no reference entry (e.g. {ay_missing[0]!r})"]
    return []


def review_from_markdown(text: str, fmt: str) -> Review:
    """Shared by markdown-like formats: body, sections, citations, references and warnings."""
    body, entries, warnings = split_references(text)
    linked = link_entries(body, entries)
    if linked:  # works cited by inline links are references too (deep-research reports have no list)
        entries = entries + linked
        warnings = [w for w in warnings if w != "no reference list found"]
    citations = extract_citations(body, entries, notes=warnings)
    sections = [Section(level=lv, title=t, offset=off) for lv, t, off in headings(body)]
    if not body.strip():
        warnings.append("no review text")
    warnings += link_warnings(citations, entries, bool(body.strip()), fmt)
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
