"""Reference lists: find every reference section of a text, split it into entries, parse each entry.

Entry styles: `[n] …` (the seed, AutoSurvey, SurGE), `n. …` / `n) …`, bare `n …` (PDF-converted deep-research
output), several numbers sharing one entry (`1 3 7 8 9 Title url`), entries run together on one line
(`1. A. url 2. B. url`), and unnumbered author-year entries (`Smith, J. (2020). Title.`, keyed `u1`, `u2`, …).
Inside an entry, URLs (plain or markdown links), DOIs and arXiv ids / arXiv URLs are extracted wherever they
stand. A section opens at a references heading (References, Bibliography, Works Cited, Sources, 参考文献, …)
and ends at the next heading whose next line is not an entry: text after it is body text again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.models import ReferenceEntry, normalize_arxiv_id

# "(.*)" and a strip in code, not "(.*?)\s*$" (which retries "\s*$" at every character: slow on long lines)
ENTRY_LINE = re.compile(r"^\s*(?:[-*]\s+)?\[(\d{1,5})\]\s*(.*)$")
_DOT_ENTRY = re.compile(r"^\s*(?:[-*]\s+)?(\d{1,5})[.)]\s+(\S.*)$")
_BARE_ENTRY = re.compile(r"^\s*((?:\d{1,5}\s+){0,30}\d{1,5})\s+(\S.*)$")
_NAMES = (r"references?|bibliography|works\s+cited|cited\s+works|sources(?:\s+cited)?|source\s+list|"
          r"literature\s+cited|reference\s+list|list\s+of\s+references|citations|参考文献|參考文獻")
# A line that opens a reference list: "## References", "**References:**", "References:", "[References]",
# "7. References", "## Works cited", "Sources".
REF_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*|__)?\s*\[?\s*(?:\d{1,2}(?:\.\d{1,2})*\.?\s+)?(?:" + _NAMES + r")\s*\]?\s*[:：]?\s*"
    r"(?:\*\*|__)?\s*[:：]?\s*$", re.IGNORECASE)
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+\S")
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)[^*_]{1,120}(?:\*\*|__)\s*:?\s*$")
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\((https?://[^\s)]+)\)")
_URL = re.compile(r"https?://[^\s<>\]\"'`]+")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html|format)/([a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})(v\d+)?",
                        re.IGNORECASE)
_ARXIV_TAG = re.compile(r"\barxiv\s*(?:preprint\s*)?(?:arxiv)?\s*[:\s]\s*(\d{4}\.\d{4,5})(v\d+)?", re.IGNORECASE)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)")
_YEAR_PAREN = re.compile(r"\((\d{4})[a-z]?\)|\((n\.\s?d\.)\)", re.IGNORECASE)
_YEAR_ANY = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_ITALIC = re.compile(r"\*([^*]{3,})\*|_([^_]{3,})_")
_AUTHORS_YEAR = re.compile(r"^(?P<authors>.{0,2000}?)\.?\s*\((?:\d{4}[a-z]?|n\.\s?d\.)\)\.?\s*(?P<rest>.*)$", re.IGNORECASE)
# An unnumbered author-year entry: "Surname, I." / "Surname I" / "Surname et al." then a year soon after.
_UNNUMBERED = re.compile(r"^\s*(?:[-*]\s+)?[A-Z][\w'’\-]+(?:,|\s+[A-Z]\.|\s+et al\.|\s+and\s)[^\n]{0,300}?"
                         r"\(?(?:19|20)\d\d[a-z]?\)?", re.UNICODE)
STYLES = ("bracket", "dot", "bare", "unnumbered")


@dataclass
class RefBlock:
    """A reference section: where it starts and ends (chars), its heading line, entries and entry style."""

    start: int  # char offset where the list (including its heading) starts
    heading_line: int | None  # 1-based line number of the heading, None for a bare list
    entries: list[ReferenceEntry]
    ignored_lines: int = 0  # non-entry lines inside the section that were dropped
    end: int = -1  # char offset where the section ends (the next heading, or the end of the text)
    style: str = "bracket"
    warnings: list[str] = field(default_factory=list)


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


def entry_start(line: str, style: str) -> tuple[list[str], str] | None:
    """(keys, rest) when the line opens an entry of `style`; digits of any script are normalised ('١' -> '1')."""
    if style == "bracket":
        m = ENTRY_LINE.match(line)
        return ([str(int(m.group(1)))], m.group(2).strip()) if m else None
    if style == "dot":
        m = _DOT_ENTRY.match(line)
        return ([str(int(m.group(1)))], m.group(2).rstrip()) if m else None
    if style == "bare":
        m = _BARE_ENTRY.match(line)
        if not m or re.match(r"^[\d\s.,:;\-–]*$", m.group(2)):
            return None
        keys = list(dict.fromkeys(str(int(n)) for n in m.group(1).split()))
        return keys, m.group(2).rstrip()
    if style == "unnumbered":
        return ([], line.strip()) if _UNNUMBERED.match(line) else None
    return None


def _detect_style(lines: list[str]) -> str | None:
    """The entry style of a section's lines: the first style that opens at least one line (bracket first)."""
    nonblank = sum(1 for ln in lines if ln.strip())
    for style in STYLES:
        n = sum(1 for ln in lines if entry_start(ln, style))
        if n and (style != "unnumbered" or n >= 2 or nonblank <= 2):
            return style
    return None


def _is_heading(line: str) -> bool:
    return bool(_MD_HEADING.match(line) or _BOLD_LINE.match(line) or REF_HEADING.match(line))


def _section_end(lines: list[tuple[int, str]], i: int, style: str) -> int:
    """Index of the first line after the section opened at line i: the next markdown or references heading, or
    a bold line not followed by an entry (a bold sub-heading followed by entries stays inside)."""
    for j in range(i + 1, len(lines)):
        ln = lines[j][1]
        if _MD_HEADING.match(ln) or REF_HEADING.match(ln):
            return j
        if _BOLD_LINE.match(ln) and not entry_start(ln, style):
            k = _next_nonblank(lines, j + 1)
            if k is None or not entry_start(lines[k][1], style):
                return j
    return len(lines)


def find_reference_blocks(text: str) -> list[RefBlock]:
    """Every reference section of a text, in order; with none headed, a trailing run of `[n]` lines."""
    lines = _lines_with_offsets(text)
    blocks: list[RefBlock] = []
    i = 0
    while i < len(lines):
        if REF_HEADING.match(lines[i][1]):
            probe = [ln for _, ln in lines[i + 1:i + 80]]
            # the section's own extent decides the style: look until the next markdown heading
            stop = next((k for k, ln in enumerate(probe) if _MD_HEADING.match(ln) or REF_HEADING.match(ln)), len(probe))
            style = _detect_style(probe[:stop])
            if style is None:
                i += 1
                continue
            end = _section_end(lines, i, style)
            entries, ignored = parse_entries([ln for _, ln in lines[i + 1:end]], style)
            if entries:
                end_off = lines[end][0] if end < len(lines) else len(text)
                blocks.append(RefBlock(lines[i][0], i + 1, entries, ignored, end_off, style))
            i = max(end, i + 1)
            continue
        i += 1
    if blocks:  # reference lines standing in the text outside the headed lists are reference lines too
        loose = _headless_blocks(text, lines, [(b.start, b.end) for b in blocks])
        return sorted(blocks + loose, key=lambda b: b.start)
    return _headless_blocks(text, lines, [])


def _headless_blocks(text: str, lines: list[tuple[int, str]], headed: list[tuple[int, int]]) -> list[RefBlock]:
    """Reference lines without a heading: a trailing run of `[n]` lines (when no list is headed), and runs of
    reference-like `[n]` lines standing as paragraphs of their own inside the text (SurGE's "[2] Ziwei Ji, …
    (n.d.). *Title*."), with a warning; never prose. `headed`: (start, end) of the headed lists, skipped."""
    tail = None if headed else _trailing_run(text, lines)
    stop = next((i for i, (off, _) in enumerate(lines) if tail and off >= tail.start), len(lines))
    blocks: list[RefBlock] = []
    i = 0
    while i < stop:
        if any(a <= lines[i][0] < b for a, b in headed):
            i += 1
            continue
        if _reference_line(lines[i][1]) and (i == 0 or not lines[i - 1][1].strip()):
            last = j = i
            while j < stop and (not lines[j][1].strip() or _reference_line(lines[j][1])):
                last = j if lines[j][1].strip() else last
                j += 1
            if last + 1 >= len(lines) or not lines[last + 1][1].strip() or _is_heading(lines[last + 1][1]):
                entries, ignored = parse_entries([ln for _, ln in lines[i:last + 1]], "bracket")
                end = lines[last + 1][0] if last + 1 < len(lines) else len(text)
                blocks.append(RefBlock(lines[i][0], None, entries, ignored, end, "bracket"))
            i = last + 1
            continue
        i += 1
    blocks += [tail] if tail else []
    n = sum(len(b.entries) for b in blocks)
    if not blocks or (n < 2 and not tail and not headed):
        return []
    if blocks:
        line = text.count("\n", 0, blocks[0].start) + 1
        blocks[0].warnings.append(f"{n} reference lines without a references heading (from line {line}, in "
                                  f"{len(blocks)} place(s)) were read as reference entries, not prose")
    return blocks


def _reference_line(line: str) -> bool:
    """An `[n]` line shaped like a reference: names then a year or (n.d.), an italic title, or an identifier."""
    m = ENTRY_LINE.match(line)
    if not m:
        return False
    rest = m.group(2)
    if _URL.search(rest) or _DOI.search(rest) or _ARXIV_TAG.search(rest) or _ITALIC.search(rest):
        return True
    ay = _AUTHORS_YEAR.match(rest)  # "(2020). Title" — "(2020) showed that …" opens a sentence, not an entry
    return bool(ay and re.search(r"\)\.", rest) and ("," in ay.group("authors") or " and " in ay.group("authors")))


def _trailing_run(text: str, lines: list[tuple[int, str]]) -> RefBlock | None:
    """A run of at least two `[n]` lines ending the text, without a heading."""
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
    entries, ignored = parse_entries([ln for _, ln in lines[first:]], "bracket")
    if len(entries) < 2:
        return None
    return RefBlock(lines[first][0], None, entries, ignored, len(text), "bracket")


def find_reference_block(text: str) -> RefBlock | None:
    """The main reference list: the last numbered section (else the last section of any style)."""
    return main_block(find_reference_blocks(text))


def main_block(blocks: list[RefBlock]) -> RefBlock | None:
    """The main list of several: the last numbered headed one, else the last numbered, else the last."""
    numbered = [b for b in blocks if b.style != "unnumbered"]
    pick = [b for b in numbered if b.heading_line is not None] or numbered or blocks
    return pick[-1] if pick else None


def _split_run_together(line: str, style: str) -> list[str]:
    """'1. A. url 2. B. url' -> ['1. A. url', '2. B. url'] when the numbers follow each other (dot style)."""
    if style != "dot":
        return [line]
    m = _DOT_ENTRY.match(line)
    if not m:
        return [line]
    n = int(m.group(1))
    parts, start = [], 0
    pos = m.start(2)
    while True:
        nxt = re.compile(r"(?<=[\s.,;)])\s*" + str(n + 1) + r"\.\s+(?=[A-Z\"“*\[(])").search(line, pos)
        if not nxt:
            break
        parts.append(line[start:nxt.start()].strip())
        start, pos, n = nxt.start(), nxt.end(), n + 1
    parts.append(line[start:].strip())
    return [p for p in parts if p]


def parse_entries(lines: list[str], style: str | None = None) -> tuple[list[ReferenceEntry], int]:
    """Entries from the lines of a reference list; a non-blank line right after an entry continues it.

    Returns (entries, number of other non-blank lines ignored)."""
    style = style or _detect_style(lines) or "bracket"
    chunks: list[tuple[list[str], str]] = []
    ignored = 0
    prev_blank = True
    for raw_line in lines:
        for line in _split_run_together(raw_line, style):
            hit = entry_start(line, style)
            if hit:
                chunks.append((hit[0], line.strip()))
                prev_blank = False
            elif not line.strip():
                prev_blank = True
            elif chunks and not prev_blank and not _is_heading(line):
                keys, raw = chunks[-1]
                chunks[-1] = (keys, raw + " " + line.strip())
            elif chunks and style == "bare" and not _is_heading(line):
                keys, raw = chunks[-1]  # PDF conversions wrap an entry over lines separated by blanks
                chunks[-1] = (keys, raw + " " + line.strip())
            else:
                ignored += 1
    out = []
    for n, (keys, raw) in enumerate(chunks, 1):
        entry = parse_entry(keys[0] if keys else f"u{n}", _strip_number(raw, style))
        entry.raw = raw.strip()
        entry.aliases = keys[1:]
        out.append(entry)
    return out, ignored


def _strip_number(raw: str, style: str) -> str:
    """An entry's text without its leading number(s)."""
    hit = entry_start(raw, style)
    return hit[1] if hit and style != "unnumbered" else re.sub(r"^\s*[-*]\s+", "", raw)


def _urls(body: str) -> list[str]:
    """Every URL of an entry (markdown link targets included), trailing punctuation removed, in order."""
    out: dict[str, None] = {}
    for u in _URL.findall(body):
        u = u.rstrip(".,;:")
        while u.endswith(")") and u.count("(") < u.count(")"):
            u = u[:-1]
        out[u] = None
    return list(out)


def identifiers(text: str) -> tuple[str | None, str | None]:
    """(arXiv id, DOI) found anywhere in a text (arXiv URLs and "arXiv:" tags; DOIs and doi.org URLs)."""
    arxiv_id = None
    for rx in (_ARXIV_URL, _ARXIV_TAG):
        m = rx.search(text)
        if m:
            arxiv_id = normalize_arxiv_id(m.group(1))
            break
    doi_m = _DOI.search(text)
    doi = doi_m.group(1).rstrip(".,;") if doi_m else None
    if doi:
        while doi.endswith(")") and doi.count("(") < doi.count(")"):
            doi = doi[:-1]
    return arxiv_id, doi


def parse_entry(key: str, raw: str) -> ReferenceEntry:
    """Parse one entry (with or without its leading [n]) into title, authors, year, ids and url."""
    body = ENTRY_LINE.sub(lambda m: m.group(2), raw, count=1).strip()
    urls = _urls(body)
    text = _MD_LINK.sub(lambda m: m.group(1) if not _URL.fullmatch(m.group(1).strip()) else " ", body)
    if len(urls) <= 20:
        for u in urls:
            text = text.replace(u, " ")
    else:  # one pass, not one per URL
        text = _URL.sub(lambda m: " " + m.group(0)[len(m.group(0).rstrip(".,;:)")):], text)
    text = re.sub(r"\s+", " ", re.sub(r"[<>]|\[\s*\]|\(\s*\)", " ", text)).strip()
    arxiv_id, doi = identifiers(body)
    year = None
    ym = _YEAR_PAREN.search(text)
    if ym and ym.group(1):
        year = int(ym.group(1))
    title, authors = _title_and_authors(text, bool(urls))
    if year is None and not (ym and ym.group(2)):
        yany = _YEAR_ANY.search(text)
        year = int(yany.group(1)) if yany and (authors or re.search(r",\s*(?:19|20)\d\d\b", text)) else None
    if title and (_DOI.fullmatch(title) or normalize_arxiv_id(title) or re.fullmatch(r"(?:doi|arxiv)[:\s].*", title, re.I)):
        title = None  # an identifier is not a title
    return ReferenceEntry(key=key, raw=raw.strip(), title=title or None, authors=authors, year=year,
                          arxiv_id=arxiv_id, doi=doi, url=_primary_url(urls))


def _primary_url(urls: list[str]) -> str | None:
    """The scholarly URL of an entry when it has one, else its first URL."""
    from harness.papers.refclass import is_scholarly_url

    for u in urls:
        if is_scholarly_url(u):
            return u
    return urls[0] if urls else None


def _title_and_authors(body: str, had_url: bool) -> tuple[str, list[str]]:
    """Split an entry body (URLs removed) into title and authors by its shape."""
    m = _AUTHORS_YEAR.match(body)
    if not m or not m.group("rest").strip(" .*"):  # "[n] Title": the whole line is the title
        t = _italic(body) or body
        t = re.sub(r"\.\s*arXiv.*$", "", t, flags=re.I) if len(t) > 40 else t
        return _clean_title(t), []
    authors = _split_authors(m.group("authors"))
    rest = m.group("rest")
    italic = _italic(rest)
    if italic:
        title = italic
    elif had_url:  # seed style: "Title. url" — the title may itself contain ". "
        title = rest
    else:  # APA style: "Title. Venue, 30."
        title = re.split(r"(?<=[a-z0-9\)])\.\s+(?=[A-Za-z])", rest, maxsplit=1)[0]
    return _clean_title(title), authors


def _italic(s: str) -> str | None:
    m = _ITALIC.search(s)
    return (m.group(1) or m.group(2)).strip() if m else None


def _clean_title(t: str) -> str:
    t = re.sub(r"\s+", " ", t.replace("*", " ")).strip()
    t = re.sub(r"\s*(?:doi|arxiv)\s*:?\s*$", "", t, flags=re.I)
    return t.strip(" .,;:\"'“”")


def _split_authors(s: str) -> list[str]:
    """'A B, C D et al.' or 'Surname, I., & Other, J.' -> names."""
    s = re.sub(r"\bet al\.?", "", s).strip().rstrip(".,")
    if not s:
        return []
    if re.search(r",\s*(?:[A-Z]\.(?:\s?-?[A-Z]\.)*)", s):  # APA initials: split after each initials group
        parts = re.split(r"(?<=\.),\s*(?:&\s*)?|\s*&\s*", s)
    else:
        parts = re.split(r"\s*[,;]\s*|\s+and\s+|\s*&\s*", s)
    return [p.strip(" .&") for p in parts if p.strip(" .&") and p.strip() != "..."]


def first_author_surname(entry: ReferenceEntry) -> str | None:
    """Lower-case surname of an entry's first author ('Smith, J.' -> 'smith', 'John Smith' -> 'smith')."""
    if entry.authors:
        a = entry.authors[0]
        if "," in a:
            return a.split(",")[0].strip().lower() or None
        toks = [t for t in re.split(r"\s+", a) if t and not re.fullmatch(r"[A-Z]\.?(?:-?[A-Z]\.?)*", t)]
        return toks[-1].lower() if toks else None
    m = re.match(r"^\s*([A-Z][\w'’\-]+)\s*,", entry.raw)
    return m.group(1).lower() if m else None


def numbering_problems(entries: list[ReferenceEntry]) -> list[str]:
    """Warnings for gaps and repeated numbers in a numbered reference list (an entry's shared numbers count)."""
    nums = [int(k) for e in entries for k in [e.key, *e.aliases] if k.isdigit()]
    if not nums:
        return []
    out = []
    seen: set[int] = set()
    dups = sorted({n for n in nums if n in seen or seen.add(n)})  # type: ignore[func-returns-value]
    if dups:
        out.append("reference numbers repeated: " + ", ".join(map(str, dups[:20])))
    missing = sorted(set(range(1, max(nums) + 1)) - set(nums))
    if missing and max(nums) <= 5000:
        more = f" (+{len(missing) - 20} more)" if len(missing) > 20 else ""
        out.append("reference numbering has gaps: missing " + ", ".join(map(str, missing[:20])) + more)
    return out
