"""Reference lists: find where a trailing list starts, split it into `[n]` entries, parse each entry.

Entry styles handled: `[n] Authors (year). Title. url` (the seed), `[n] Title` (AutoSurvey, SurGE naive),
`[n] Authors. (n.d.). *Title*` (SurGE id), APA-like `[n] Surname, I., & Other, J. (2019). Title. Venue.`;
arXiv ids, DOIs, URLs and years are extracted wherever they appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.models import ReferenceEntry, normalize_arxiv_id

ENTRY_LINE = re.compile(r"^\s*(?:[-*]\s+)?\[(\d{1,5})\]\s*(.*?)\s*$")
# A line that opens a reference list: "## References", "**References:**", "References:", "[References]".
REF_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*\[?\s*(?:references?|bibliography|works cited|cited works)\s*\]?\s*:?\s*"
    r"(?:\*\*|__)?\s*:?\s*$", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>)\]]+")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?", re.IGNORECASE)
_ARXIV_TAG = re.compile(r"\barxiv\s*[:\s]\s*(\d{4}\.\d{4,5})(v\d+)?", re.IGNORECASE)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)")
_YEAR_PAREN = re.compile(r"\((\d{4})[a-z]?\)|\((n\.\s?d\.)\)", re.IGNORECASE)
_YEAR_ANY = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_ITALIC = re.compile(r"\*([^*]{3,})\*|_([^_]{3,})_")
_AUTHORS_YEAR = re.compile(r"^(?P<authors>.{0,2000}?)\.?\s*\((?:\d{4}[a-z]?|n\.\s?d\.)\)\.?\s*(?P<rest>.*)$", re.IGNORECASE)


@dataclass
class RefBlock:
    """A reference list found in a text: where it starts (heading line or first entry) and its entries."""

    start: int  # char offset where the list (including its heading) starts
    heading_line: int | None  # 1-based line number of the heading, None for a bare list
    entries: list[ReferenceEntry]
    ignored_lines: int = 0  # non-entry lines after the list that were dropped


def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        out.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    return out


def _next_nonblank(lines: list[tuple[int, str]], i: int) -> int | None:
    for j in range(i, len(lines)):
        if lines[j][1].strip():
            return j
    return None


def find_reference_block(text: str) -> RefBlock | None:
    """The trailing reference list: the LAST references heading followed by `[n]` lines, else a trailing run."""
    lines = _lines_with_offsets(text)
    start_idx = None
    for i in range(len(lines) - 1, -1, -1):
        if REF_HEADING.match(lines[i][1]):
            j = _next_nonblank(lines, i + 1)
            if j is not None and ENTRY_LINE.match(lines[j][1]):
                start_idx = i
                break
    if start_idx is not None:
        entries, ignored = parse_entries([ln for _, ln in lines[start_idx + 1:]])
        return RefBlock(lines[start_idx][0], start_idx + 1, entries, ignored)
    # no heading: a run of [n] lines ending the text (at least two entries)
    j = len(lines) - 1
    while j >= 0 and not lines[j][1].strip():
        j -= 1
    first = None
    while j >= 0 and (ENTRY_LINE.match(lines[j][1]) or not lines[j][1].strip()):
        if lines[j][1].strip():
            first = j
        j -= 1
    if first is None:
        return None
    entries, ignored = parse_entries([ln for _, ln in lines[first:]])
    if len(entries) < 2:
        return None
    return RefBlock(lines[first][0], None, entries, ignored)


def parse_entries(lines: list[str]) -> tuple[list[ReferenceEntry], int]:
    """Entries from the lines of a reference list; a non-blank line right after an entry continues it.

    Returns (entries, number of other non-blank lines ignored)."""
    chunks: list[tuple[str, str]] = []
    ignored = 0
    prev_blank = True
    for line in lines:
        m = ENTRY_LINE.match(line)
        if m:
            chunks.append((m.group(1), line.strip()))
            prev_blank = False
        elif not line.strip():
            prev_blank = True
        elif chunks and not prev_blank:
            key, raw = chunks[-1]
            chunks[-1] = (key, raw + " " + line.strip())
        else:
            ignored += 1
    return [parse_entry(key, raw) for key, raw in chunks], ignored


def parse_entry(key: str, raw: str) -> ReferenceEntry:
    """Parse one entry line (with or without its leading [n]) into title, authors, year, ids and url."""
    body = ENTRY_LINE.sub(lambda m: m.group(2), raw, count=1).strip()
    url_m = _URL.search(body)
    url = url_m.group(0).rstrip(".,;") if url_m else None
    arxiv_id = None
    for rx in (_ARXIV_URL, _ARXIV_TAG):
        m = rx.search(body)
        if m:
            arxiv_id = normalize_arxiv_id(m.group(1))
            break
    doi_m = _DOI.search(body)
    doi = doi_m.group(1).rstrip(".,;") if doi_m else None
    year = None
    ym = _YEAR_PAREN.search(body)
    if ym and ym.group(1):
        year = int(ym.group(1))
    title, authors = _title_and_authors(body, url)
    if year is None and not (ym and ym.group(2)) and authors:
        yany = _YEAR_ANY.search(body)
        year = int(yany.group(1)) if yany else None
    return ReferenceEntry(key=key, raw=raw.strip(), title=title or None, authors=authors, year=year,
                          arxiv_id=arxiv_id, doi=doi, url=url)


def _title_and_authors(body: str, url: str | None) -> tuple[str, list[str]]:
    """Split an entry body into title and authors by its shape."""
    no_url = body.replace(url, " ") if url else body
    m = _AUTHORS_YEAR.match(no_url)
    if not m or not m.group("rest").strip(" .*"):  # "[n] Title": the whole line is the title
        return _clean_title(_italic(no_url) or no_url), []
    authors = _split_authors(m.group("authors"))
    rest = m.group("rest")
    italic = _italic(rest)
    if italic:
        title = italic
    elif url:  # seed style: "Title. url" — the title may itself contain ". "
        title = rest
    else:  # APA style: "Title. Venue, 30."
        title = re.split(r"(?<=[a-z0-9\)])\.\s+(?=[A-Za-z])", rest, maxsplit=1)[0]
    return _clean_title(title), authors


def _italic(s: str) -> str | None:
    m = _ITALIC.search(s)
    return (m.group(1) or m.group(2)).strip() if m else None


def _clean_title(t: str) -> str:
    t = re.sub(r"\s+", " ", t.replace("*", " ")).strip()
    return t.strip(" .,;\"'")


def _split_authors(s: str) -> list[str]:
    """'A B, C D et al.' or 'Surname, I., & Other, J.' -> names."""
    s = re.sub(r"\bet al\.?", "", s).strip().rstrip(".,")
    if not s:
        return []
    if re.search(r",\s*(?:[A-Z]\.(?:\s?-?[A-Z]\.)*)", s):  # APA initials: split after each initials group
        parts = re.split(r"(?<=\.),\s*(?:&\s*)?|\s*&\s*", s)
    else:
        parts = re.split(r"\s*[,;]\s*|\s+and\s+", s)
    return [p.strip(" .&") for p in parts if p.strip(" .&") and p.strip() != "..."]


def numbering_problems(entries: list[ReferenceEntry]) -> list[str]:
    """Warnings for gaps and repeated numbers in a numbered reference list."""
    nums = [int(e.key) for e in entries if e.key.isdigit()]
    if not nums:
        return []
    out = []
    seen: set[int] = set()
    dups = sorted({n for n in nums if n in seen or seen.add(n)})  # type: ignore[func-returns-value]
    if dups:
        out.append("reference numbers repeated: " + ", ".join(map(str, dups[:20])))
    missing = sorted(set(range(1, max(nums) + 1)) - set(nums))
    if missing:
        more = f" (+{len(missing) - 20} more)" if len(missing) > 20 else ""
        out.append("reference numbering has gaps: missing " + ", ".join(map(str, missing[:20])) + more)
    return out
