"""In-text citation markers of every style, found in a paragraph and linked to reference-list keys.

Styles (`Marker.style`): `numeric` ([n], [n, m], [n–m], 【n】, [Author et al., n]), `label` ([Author et al., LABEL]
matched to the one entry whose title holds LABEL), `math` ($n$, $^{n}$), `superscript` (<sup>n</sup>, ^n,
Unicode ¹²), `bare` (numbers right before a sentence's end, `… capabilities 1 .`, `… sources 6 11.`), `paren`
((n), (n, m)), `author-year` ((Smith et al., 2023), Smith et al. (2023), (Smith and Lee, 2023; Wu, 2022),
(Sun et al.)), `link` (a markdown link placed as a citation, `harness.readers.inline_links`), `latex`
(\\cite{key}, \\citep, \\citet, …) and `cite-n` (@cite_N).
Forms that are ambiguous in prose — math, ^n, Unicode superscripts, bare numbers and (n) — count only when a
numbered reference list exists and holds every number (and (n) only when the text has no [n] markers).
Digits of any script are normalised (`[١]` cites entry `1`). `In [2023]`, markdown links on words, unwrapped
links to non-scholarly pages (`[2](http://blog…)`) and bracketed years that are not list numbers are not citations.
Linear in the paragraph: every per-marker test looks at a bounded window and every pattern repeats boundedly.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import re
from array import array
from dataclasses import dataclass, field

from harness.models import ReferenceEntry, normalize_title
from harness.readers.inline_links import entry_identities, identity, labelled_links, link_groups
from harness.core.text import expand_marker

_NUMS = r"\d{1,4}(?:\s*[,;\-–—]\s*\d{1,4})*"
_NUMS_RX = re.compile(_NUMS)
_BRACKET = re.compile(r"(?<!\!)\[([^\[\]\n]{1,200})\](?!\()")
_LENTICULAR = re.compile(r"【\s*(" + _NUMS + r")\s*】")
_MATH = re.compile(r"\$\s*(?:\^\s*)?\{?\s*\[?\s*(" + _NUMS + r")\s*\]?\s*\}?\s*\$")
_SUP_HTML = re.compile(r"<sup>\s*\[?\s*(" + _NUMS + r")\s*\]?\s*</sup>", re.IGNORECASE)
_CARET = re.compile(r"(?<=[^\s\d])\^\s*(?:\{\s*(" + _NUMS + r")\s*\}|\[\s*(" + _NUMS + r")\s*\]|(\d{1,4}(?:,\d{1,4})*))")
_SUPERS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
# any superscript digit sequence not glued to an ASCII digit ("10⁵" is a power): "word⁷", "word ¹²", "⁽³⁾",
# "²˒³", "¹⁻⁴"
_UNI_SUP = re.compile(r"(?<![\d" + _SUPERS + r"])⁽?([" + _SUPERS + r"]+(?:\s?[,˒⁻‐\-–]\s?[" + _SUPERS
                      + r"]+)*)⁾?")
_LATEX = re.compile(r"\\(?:cite|citep|citet|citealp|citealt|citeauthor|citeyear|parencite|textcite|autocite|"
                    r"footcite|nocite)\*?(?:\s*\[[^\]]{0,300}\]){0,2}\s*\{([^}\\]{0,1000})\}")
_CITE_N = re.compile(r"@cite_(\d{1,4})")
_PAREN_NUM = re.compile(r"\((\d{1,4}(?:\s*[,;]\s*\d{1,4})*)\)")
_BARE = re.compile(r"(?<=[^\W\d_]|[)\]\"'”’%])((?:\s+\d{1,4}){1,8})(?=\s*[.!?](?:\s|$)|\s*$)")
# bounded repeats throughout: a run-on of names or one 5 MB "word" must not make the search quadratic
_SURNAME = (r"(?:(?:van|von|de|der|den|da|di|le|la|del|dos|du)\s+){0,3}"
            r"[A-Z](?=[\w'’\-]{0,40}?[a-z])[\w'’\-]{1,40}(?![\w'’\-])")
_AUTHORS = (r"(?P<first>" + _SURNAME + r")(?:\s+et\s+al\.?|(?:\s*,\s*" + _SURNAME + r"){0,12}\s*(?:,\s*)?(?:and|&)\s+"
            + _SURNAME + r")?")
_AY_PART = re.compile(r"^(?:(?:e\.g\.|see|cf\.|i\.e\.)[,\s]+)?" + _AUTHORS +
                      r"(?:\s*,?\s*(?P<year>(?:19|20)\d\d)(?P<suffix>[a-z])?(?:\s*,\s*(?:p|pp)\.\s*[\d\-–]+)?)?\s*$")
_NARRATIVE = re.compile(r"(?<![\w(])" + _AUTHORS + r"\s*\(\s*(?P<year>(?:19|20)\d\d)(?P<suffix>[a-z])?\s*\)")
_YEAR_LEAD = re.compile(r"(?<=\W)(?:in|since|from|until|by|year)\s*$", re.I)
_CLAUSE = re.compile(r"\s+[a-z]")
REPEATS_KEPT = 5  # identical markers of one sentence kept as citations; further ones are folded (a looping run-on)
_WINDOW = 60  # characters before a marker that any per-marker test looks at (reading stays linear)
_BARE_STOP = {"table", "tables", "figure", "figures", "fig", "figs", "section", "sections", "sec", "chapter", "eq",
              "equation", "equations", "step", "steps", "phase", "version", "v", "level", "levels", "layer",
              "layers", "top", "stage", "stages", "type", "part", "appendix", "page", "pages", "p", "pp", "line",
              "lines", "item", "items", "rule", "case", "cases", "class", "grade", "round", "iteration", "epoch",
              "epochs", "k", "n", "x", "than", "to", "of", "and", "or", "by", "in", "on", "at", "from", "about",
              "around", "approximately", "nearly", "over", "under", "only", "just", "least", "most", "every",
              "per", "times", "year", "years", "month", "months", "day", "days", "gpt", "llama", "ratio", "is",
              "are", "was", "were", "be", "equals", "with", "without"}


@dataclass
class Marker:
    """One marker found in text: its span, raw text, the list keys it names, and its style."""

    start: int
    end: int
    text: str
    keys: list[str]
    style: str
    repeats: int = 0  # later markers of the same sentence naming the same keys, folded into this one


@dataclass
class LinkContext:
    """What marker finding may know about the reference list: its numbers, entries and bibliography keys."""

    numbered: set[str] = field(default_factory=set)
    entries: list[ReferenceEntry] = field(default_factory=list)
    allow_paren: bool = False
    _authors: dict[tuple[str, int | None], list[ReferenceEntry]] | None = None
    _labels: dict[str, str] = field(default_factory=dict)  # label -> key, so each label scans the list once
    _ids: dict[str, str] | None = None

    def link_key(self, label: str, url: str) -> str:
        """The key a cited link names: a list number it shows, else the entry with its identity, else the identity."""
        if label.strip().isdigit() and str(int(label)) in self.numbered:
            return str(int(label))
        if self._ids is None:
            self._ids = {}
            for e in self.entries:
                for i in entry_identities(e):
                    self._ids.setdefault(i, e.key)
        ident = identity(url)
        return self._ids.get(ident, ident)

    @property
    def keys(self) -> set[str]:
        """The entries' own keys (what a matched author-year citation resolves to)."""
        return {e.key for e in self.entries}

    def author_matches(self, surname: str, year: int | None) -> list[ReferenceEntry]:
        """Entries whose first author's surname (and year, when given) match."""
        if self._authors is None:
            from harness.readers.references import first_author_surname

            self._authors = {}
            for e in self.entries:
                s = first_author_surname(e)
                if s:
                    self._authors.setdefault((_fold(s), e.year), []).append(e)
                    self._authors.setdefault((_fold(s), None), []).append(e)
        return list(self._authors.get((_fold(surname), year), []))


def _fold(s: str) -> str:
    return s.lower().replace("’", "'")


def _norm_digits(s: str) -> str:
    """Digits of any script to ASCII ('١٢' -> '12')."""
    if s.isascii():
        return s
    return "".join(str(int(ch)) if ch.isdigit() else ch for ch in s)


def numeric_keys(inner: str) -> list[str]:
    """Keys named by a numeric group: '3, 5-7' -> ['3', '5', '6', '7'] (order kept, no repeats)."""
    return list(_numeric_keys(inner))


@functools.lru_cache(maxsize=4096)
def _numeric_keys(inner: str) -> tuple[str, ...]:
    inner = _norm_digits(inner).replace("—", "-")
    return tuple(dict.fromkeys(str(n) for n in expand_marker(inner)))


def _in_list(keys: list[str], ctx: LinkContext) -> bool:
    return bool(keys) and bool(ctx.numbered) and all(k in ctx.numbered for k in keys)


def _yearlike(keys: list[str], ctx: LinkContext) -> bool:
    """A single 1900-2099 number that is not a list number: a year, not a citation."""
    return len(keys) == 1 and 1900 <= int(keys[0]) <= 2099 and keys[0] not in ctx.numbered


def find_markers(text: str, ctx: LinkContext, sentence_starts: list[int] | None = None) -> list[Marker]:
    """Every citation marker of a paragraph, in order; spans never overlap (earlier styles win).

    With `sentence_starts`, markers naming the same keys in the same style as `REPEATS_KEPT` earlier ones of their
    sentence are folded into the last kept one (its `repeats` counts them): a looping run-on of 600,000 `[1]`
    is a few citations, not 600,000; ordinary text never repeats a marker that often in one sentence."""
    out: list[Marker] = []
    taken = _Spans()
    first: dict[tuple[int, tuple[str, ...], str], tuple[int, Marker]] = {}

    def add(m_start: int, m_end: int, keys: list[str], style: str) -> None:
        if not taken.claim(m_start, m_end):
            return
        if sentence_starts is not None:
            sig = (bisect.bisect_right(sentence_starts, m_start), tuple(keys), style)
            seen = first.get(sig)
            if seen is not None and seen[0] >= REPEATS_KEPT:
                seen[1].repeats += 1
                return
            mk = Marker(m_start, m_end, text[m_start:m_end], keys, style)
            first[sig] = ((seen[0] if seen else 0) + 1, mk)
            out.append(mk)
            return
        out.append(Marker(m_start, m_end, text[m_start:m_end], keys, style))

    for finder in (link_groups, labelled_links):
        for start, end, links in finder(text):
            add(start, end, list(dict.fromkeys(ctx.link_key(label, url) for label, url in links)), "link")
    for m in _LATEX.finditer(text):
        keys = [k.strip() for k in m.group(1).split(",") if k.strip()]
        if keys:
            add(m.start(), m.end(), list(dict.fromkeys(keys)), "latex")
    for m in _CITE_N.finditer(text):
        add(m.start(), m.end(), [f"cite_{int(m.group(1))}"], "cite-n")
    for m in _SUP_HTML.finditer(text):
        add(m.start(), m.end(), numeric_keys(m.group(1)), "superscript")
    for m in _MATH.finditer(text):
        keys = numeric_keys(m.group(1))
        if _in_list(keys, ctx):
            add(m.start(), m.end(), keys, "math")
    for m in _CARET.finditer(text):
        keys = numeric_keys(m.group(1) or m.group(2) or m.group(3))
        if _in_list(keys, ctx):
            add(m.start(), m.end(), keys, "superscript")
    for m in _LENTICULAR.finditer(text):
        add(m.start(), m.end(), numeric_keys(m.group(1)), "numeric")
    for m in _BRACKET.finditer(text):
        _bracket(m, text, ctx, add)
    for m in _UNI_SUP.finditer(text):
        keys = numeric_keys(m.group(1).translate(str.maketrans(_SUPERS + "˒⁻‐", "0123456789,--")))
        if _in_list(keys, ctx):
            add(m.start(), m.end(), keys, "superscript")
    _author_year(text, ctx, add)
    _paren_and_bare(text, ctx, add)
    out.sort(key=lambda mk: mk.start)
    return out


def _paren_and_bare(text: str, ctx: LinkContext, add) -> None:
    """(n) and bare numbers before a sentence's end: only numbers a numbered list holds."""
    if ctx.allow_paren:
        for m in _PAREN_NUM.finditer(text):
            keys = numeric_keys(m.group(1))
            if _in_list(keys, ctx) and not _enumeration(text, m):
                add(m.start(), m.end(), keys, "paren")
    if ctx.numbered:
        for m in _BARE.finditer(text):
            keys = list(dict.fromkeys(_norm_digits(m.group(1)).split()))
            before = re.findall(r"[\w.]+", text[max(0, m.start() - 30):m.start()])
            prev = before[-1].lower().strip(".") if before else ""
            if _in_list(keys, ctx) and prev not in _BARE_STOP and not _yearlike(keys, ctx):
                s = m.start() + len(m.group(1)) - len(m.group(1).lstrip())
                add(s, m.end(), keys, "bare")


class _Spans:
    """Non-overlapping claimed spans; a claim costs O(log n). Claimed spans are two sorted int arrays, plus the
    current pass's claims (increasing), folded in when a new pass starts; 16 bytes a span."""

    def __init__(self) -> None:
        self.starts, self.ends = array("q"), array("q")
        self.run_starts, self.run_ends = array("q"), array("q")

    def _merge(self) -> None:
        if self.run_starts:
            merged = heapq.merge(zip(self.starts, self.ends), zip(self.run_starts, self.run_ends))
            starts, ends = array("q"), array("q")
            for s, e in merged:
                starts.append(s)
                ends.append(e)
            self.starts, self.ends = starts, ends
            self.run_starts, self.run_ends = array("q"), array("q")

    def claim(self, start: int, end: int) -> bool:
        """Claim [start, end) unless it overlaps a claimed span."""
        if self.run_starts and start < self.run_starts[-1]:
            self._merge()  # a new pass (styles are found one after another): fold the last one in
        if self.run_ends and self.run_ends[-1] > start:
            return False
        i = bisect.bisect_right(self.starts, start)
        if (i > 0 and self.ends[i - 1] > start) or (i < len(self.starts) and self.starts[i] < end):
            return False
        self.run_starts.append(start)
        self.run_ends.append(end)
        return True


def _before(text: str, pos: int) -> str:
    """The bounded window of text before `pos` (a space stands for the start of the text)."""
    lo = max(0, pos - _WINDOW)
    return ("\n" if lo == 0 else "") + text[lo:pos]


def _around(text: str, start: int, end: int, width: int = 400) -> str:
    """The bounded window around a marker (what title words of an author-year citation are taken from)."""
    return text[max(0, start - width):end + width]


def _enumeration(text: str, m: re.Match) -> bool:
    """'(1) first … (2) second' or a line opening with '(1)': a list, not citations."""
    before = _before(text, m.start()).rstrip()
    if not before.strip() or before.endswith((":", ";", "\n")):
        return True
    return _CLAUSE.match(text, m.end()) is not None  # "(2) how deep models …" opens a clause


def _bracket(m: re.Match, text: str, ctx: LinkContext, add) -> None:
    """[n], [n, m], [n–m], [Author et al., n], [Author et al., LABEL], [Author et al., 2023]."""
    inner = m.group(1).strip()
    if _NUMS_RX.fullmatch(_norm_digits(inner)):
        keys = numeric_keys(inner)
        if not keys or _yearlike(keys, ctx):
            return
        if keys[0] not in ctx.numbered and _YEAR_LEAD.search(_before(text, m.start())):
            return
        add(m.start(), m.end(), keys, "numeric")
        return
    am = re.fullmatch(r"(.{1,80}?(?:et\s+al\.?|[A-Z][\w'’\-]+))\s*,\s*(\S.{0,40})", inner)
    if not am or not re.match(r"[A-Z]", am.group(1)):
        return
    tail = am.group(2).strip()
    if _NUMS_RX.fullmatch(_norm_digits(tail)):
        keys = numeric_keys(tail)
        if _yearlike(keys, ctx) or (len(keys) == 1 and 1900 <= int(keys[0]) <= 2099 and not ctx.numbered):
            _author_year_part(inner, m.start(), m.end(), ctx, add, _around(text, m.start(), m.end()))
            return
        add(m.start(), m.end(), keys, "numeric")
        return
    if re.fullmatch(r"[A-Za-z][\w\-+.]{1,30}", tail) and "et al" in am.group(1):
        key = label_key(tail, ctx)
        add(m.start(), m.end(), [key], "label")


def label_key(label: str, ctx: LinkContext) -> str:
    """The key of the one entry whose title contains LABEL as a word ('CAT' -> entry 5), else 'label:LABEL'."""
    if label not in ctx._labels:
        ctx._labels[label] = _label_key(label, ctx)
    return ctx._labels[label]


def _label_key(label: str, ctx: LinkContext) -> str:
    rx = re.compile(r"(?<![\w\-])" + re.escape(label) + r"(?![\w\-])")
    hits = [e for e in ctx.entries if e.title and rx.search(e.title)]
    leading = [e for e in hits if e.title and e.title.startswith(label)]
    pick = leading or hits
    if pick and len({normalize_title(e.title) for e in pick}) == 1:  # one paper (repeated entries allowed)
        return pick[0].key
    return f"label:{label}"


def _author_year(text: str, ctx: LinkContext, add) -> None:
    """Parenthetical groups '(A et al., 2023; B, 2022)' and narrative 'A et al. (2023)'."""
    for m in re.finditer(r"\(([^()]{3,400})\)", text):
        inner = m.group(1)
        parts = [p.strip() for p in re.split(r";", inner) if p.strip()]
        parsed = [_AY_PART.match(p) for p in parts]
        if not parts or not all(parsed):
            continue
        if not all(p.group("year") or re.search(r"et\s+al", p.group(0)) for p in parsed):
            continue  # "(Transformer)" is not a citation; "(Sun et al.)" is
        near = _around(text, m.start(), m.end())
        keys = [_ay_key(p.group("first"), p.group("year"), p.group("suffix"), ctx, near) for p in parsed]
        if _numeric_style(ctx) and not any(k in ctx.keys for k in keys):
            continue  # in a text citing [n], an unmatched "(Smith et al., 2022)" is prose (a quoted abstract)
        add(m.start(), m.end(), list(dict.fromkeys(keys)), "author-year")
    for m in _NARRATIVE.finditer(text):
        plain_name = not re.search(r"et\s+al|\sand\s|&", m.group(0))
        if plain_name and not ctx.author_matches(m.group("first").split()[-1], int(m.group("year"))):
            continue  # "Transformer (2017)" is a name and a year, not a citation, unless the list says so
        key = _ay_key(m.group("first"), m.group("year"), m.group("suffix"), ctx, _around(text, m.start(), m.end()))
        if _numeric_style(ctx) and key not in ctx.keys:
            continue
        add(m.start(), m.end(), [key], "author-year")


def _numeric_style(ctx: LinkContext) -> bool:
    """The text cites by [n] against a numbered list (then only author-year naming an entry is a citation)."""
    return bool(ctx.numbered) and not ctx.allow_paren


def _author_year_part(inner: str, start: int, end: int, ctx: LinkContext, add, text: str) -> None:
    p = _AY_PART.match(inner)
    if p and p.group("year"):
        add(start, end, [_ay_key(p.group("first"), p.group("year"), p.group("suffix"), ctx, text)], "author-year")


def _ay_key(surname: str, year: str | None, suffix: str | None, ctx: LinkContext, context_text: str) -> str:
    """The entry key for an author-year citation: surname + year, then the a/b suffix, then title words;
    unmatched -> 'Surname Year' (a dangling key)."""
    surname = surname.strip()
    last = re.split(r"\s+", surname)[-1]
    y = int(year) if year else None
    hits = ctx.author_matches(last, y) or ctx.author_matches(surname, y)
    if len(hits) > 1 and suffix:
        i = ord(suffix) - ord("a")
        hits = [hits[i]] if 0 <= i < len(hits) else hits
    if len(hits) > 1:
        words = set(normalize_title(context_text).split())
        scored = sorted(hits, key=lambda e: -len(words & set(normalize_title(e.title).split())))
        hits = scored[:1]
    if hits:
        return hits[0].key
    return f"{last} {year}{suffix or ''}" if year else f"{last} et al."
