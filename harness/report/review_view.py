"""Render an untrusted review as safe HTML: markdown (raw HTML, links and images off) with every citation marker
the readers know wrapped in a span coloured by its verdict.

Model text never becomes markup of its own: markdown-it escapes every character it does not turn into one of the
few enabled constructs (headings, paragraphs, lists, emphasis, code, tables, quotes), and the citation spans are
inserted only into text between tags, with whitelisted class names and escaped hover text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from harness.models import CitationVerdict, Paper, ReferenceEntry, Review
from harness.readers.citations import extract_citations
from harness.readers.references import find_reference_blocks
from harness.scorers.cited import own_paper_matcher

VERDICTS = ("on-topic", "off-topic", "unresolved", "unverifiable", "dangling", "resolved")
VERDICT_LABELS = {
    "on-topic": "on topic",
    "off-topic": "off topic",
    "unresolved": "unresolved (no matching paper)",
    "unverifiable": "unverifiable (no abstract to judge)",
    "dangling": "dangling (no reference entry)",
    "resolved": "resolved (no relevance verdict)",
    "unknown": "unknown",
}
_WORST_FIRST = ("dangling", "unresolved", "off-topic", "unknown", "unverifiable", "resolved", "on-topic")
MAX_CHARS = 400_000  # a review longer than this is cut in the view (the run keeps the full text)
_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use placeholders for citation spans while markdown is rendered
_PLACEHOLDER = re.compile(_OPEN + r"(\d+)" + _CLOSE)
_TAG = re.compile(r"(<[^>]*>)")


@dataclass
class KeyInfo:
    """What the view knows of one review key: its verdict class, hover text, the scorer's record and entry."""

    verdict: str
    tip: str
    record: CitationVerdict | None = None
    title: str = ""
    paper_id: str | None = None


@dataclass
class Mark:
    """One citation marker in the text: its span, the keys it names, its style and each key's verdict class."""

    start: int
    end: int
    text: str
    keys: list[str]
    style: str
    sentence: str = ""
    verdicts: list[str] = field(default_factory=list)
    tips: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """The marker's colour: the worst of its keys' verdicts."""
        return min(self.verdicts, key=_WORST_FIRST.index) if self.verdicts else "unknown"

    @property
    def tip(self) -> str:
        return "\n".join(self.tips)


@dataclass
class ReviewView:
    """What a page shows for one generation: the text, its marks, verdict counts; `html` renders them."""

    text: str = ""
    marks: list[Mark] = field(default_factory=list)
    keys: dict[str, KeyInfo] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    truncated: bool = False
    verdict_source: str = "none"

    @property
    def html(self) -> Markup:
        return render_markdown(self.text, self.marks)


def norm_key(key: Any) -> str:
    """A citation or reference key as both are matched: '[@Smith20]' and 'Smith20' are one key."""
    return str(key).strip().lstrip("@").strip("[]() ")


def parse_details(details: Any) -> dict[str, Any]:
    """A score's details as a dict, whether stored as JSON text or already decoded."""
    if isinstance(details, dict):
        return details
    if isinstance(details, str) and details.strip():
        try:
            value = json.loads(details)
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}
    return {}


def _relevance(v: CitationVerdict) -> str:
    """The view's class for a scorer verdict: unjudged items are unverifiable."""
    return "unverifiable" if v.verdict == "unjudged" else v.verdict


def _own_matcher(papers: list[Any]):
    """Id of the review's own listed paper a key names (cite_N position, arXiv id or exact title), else None."""
    rows = [Paper.model_validate(p) for p in papers if isinstance(p, dict) and p.get("id") and p.get("title")]
    find = own_paper_matcher(Review(source_format="report", text="", papers=rows))

    def match(key: str, arxiv_id: str | None, title: str | None) -> str | None:
        paper = find(arxiv_id, title, (key or "").lstrip("@"))
        return paper.id if paper else None

    return match


def _key_table(review: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """key -> what the review says of it: original key, resolved paper id, title, arXiv id, whether an entry."""
    info: dict[str, dict[str, Any]] = {}
    for ref in review.get("references") or []:
        if isinstance(ref, dict) and ref.get("key") is not None:
            info[norm_key(ref["key"])] = {"orig": str(ref["key"]), "pid": ref.get("paper_id"),
                                           "title": ref.get("title") or ref.get("raw") or "", "entry": True,
                                           "arxiv": ref.get("arxiv_id")}
    for cit in review.get("citations") or []:
        if not isinstance(cit, dict):
            continue
        pids = list(cit.get("paper_ids") or [])
        for n, key in enumerate(cit.get("keys") or []):
            d = info.setdefault(norm_key(key), {"orig": str(key), "pid": None, "title": "", "entry": False})
            if not d["pid"] and n < len(pids) and pids[n]:
                d["pid"] = pids[n]
    return info


def key_info(review: dict[str, Any],
             verdicts: list[CitationVerdict] | list[dict[str, Any]] | None) -> tuple[dict[str, KeyInfo], str]:
    """key -> KeyInfo from the scorer's per-citation verdicts and the review's resolution, and the verdicts' source.

    Verdicts may name review keys ("key" / "keys") or the scorer's cited items ("item": a paper id, or
    "entry:<key>" for an unresolved reference entry). A key whose entry matched no paper is shown "unresolved"
    (its relevance by parsed title goes in the hover text); a key with no entry at all is "dangling".
    """
    info = _key_table(review)
    own = _own_matcher(review.get("papers") or [])
    by_key: dict[str, CitationVerdict] = {}
    by_item: dict[str, CitationVerdict] = {}
    for v in CitationVerdict.read_list(verdicts):
        for k in ([v.key] if v.key is not None else []) + v.keys:
            by_key[norm_key(k)] = v
        if v.item is not None:
            by_item[v.item] = v
    for key, v in by_key.items():  # a key the scorer judged is a known key even without a parsed entry
        info.setdefault(key, {"orig": key, "pid": v.paper_id, "title": v.title or "", "entry": False})
    source = "scorer" if by_key or by_item else ("resolution" if info else "none")
    out: dict[str, KeyInfo] = {}
    for key, d in info.items():
        v = by_key.get(key)
        unresolved_item = False
        if v is None and d["pid"]:
            v = by_item.get(str(d["pid"]))
        own_id = None if d["pid"] else own(d["orig"], d.get("arxiv"), d["title"])
        if v is None and own_id:
            v = by_item.get(f"own:{own_id}")
        if v is None:
            v = by_item.get(f"entry:{d['orig']}") or by_item.get(f"marker:{d['orig']}")
            unresolved_item = v is not None
        title = (v.title if v else None) or d["title"]
        pid = (v.paper_id if v else None) or d["pid"] or own_id
        verdict, extra = _verdict_of(v, unresolved_item, bool(pid or own_id), d["entry"],
                                     "in the review's own paper list, not the task's" if own_id else "")
        out[key] = KeyInfo(verdict, _tip(key, verdict, title, pid, extra), v, str(title or ""),
                           str(pid) if pid else None)
    return out, source


def _verdict_of(v: CitationVerdict | None, unresolved_item: bool, resolved: bool, entry: bool,
                extra: str) -> tuple[str, str]:
    if v is None:
        return ("resolved" if resolved else "unresolved" if entry else "dangling"), extra
    verdict = _relevance(v)
    if unresolved_item and verdict != "unresolved":
        extra = f"relevance of its parsed title: {VERDICT_LABELS.get(verdict, verdict)}"
        verdict = "unresolved"
    if v.basis:
        extra = "; ".join(x for x in (extra, f"basis: {v.basis}") if x)
    if v.similarity is not None:
        extra = "; ".join(x for x in (extra, f"similarity {v.similarity}") if x)
    return verdict, extra


def key_verdicts(review: dict[str, Any], verdicts: list[CitationVerdict] | list[dict[str, Any]] | None
                 ) -> tuple[dict[str, tuple[str, str]], str]:
    """key -> (verdict class, hover text) and the verdicts' source (see key_info)."""
    info, source = key_info(review, verdicts)
    return {k: (i.verdict, i.tip) for k, i in info.items()}, source


def _tip(key: str, verdict: str, title: str, paper_id: Any, extra: str = "") -> str:
    parts = [f"[{key}] {VERDICT_LABELS.get(verdict, verdict)}"]
    if title:
        parts.append(str(title)[:300])
    if paper_id:
        parts.append(f"paper id: {paper_id}")
    if extra:
        parts.append(extra[:300])
    return "\n".join(parts)


def _entries(review: dict[str, Any]) -> list[ReferenceEntry]:
    out = []
    for ref in review.get("references") or []:
        try:
            out.append(ReferenceEntry.model_validate(ref))
        except ValueError:
            continue
    return out


def citation_marks(review: dict[str, Any], text: str) -> list[Mark]:
    """Every citation marker of the text, in every style the readers know: the citations the reader stored (whose
    offset matches the text); for a review stored without any (older runs, other tools), what the reader finds
    in the text outside its reference lists. Never overlapping, in text order."""
    found: list[Mark] = []
    for c in review.get("citations") or []:
        if not isinstance(c, dict) or not c.get("marker") or not isinstance(c.get("offset"), int):
            continue
        start = c["offset"]
        if text[start:start + len(c["marker"])] == c["marker"]:
            found.append(Mark(start, start + len(c["marker"]), c["marker"], [str(k) for k in c.get("keys") or []],
                              str(c.get("style") or "numeric"), str(c.get("sentence") or "")))
    if not review.get("citations"):
        lists = [(b.start, b.end if b.end >= 0 else len(text)) for b in find_reference_blocks(text)]
        for c in extract_citations(text, _entries(review)):
            if not any(s <= c.offset < e for s, e in lists):  # a reference list kept in the text cites nothing
                found.append(Mark(c.offset, c.offset + len(c.marker), c.marker, list(c.keys), c.style or "numeric",
                                  c.sentence))
    out: list[Mark] = []
    last_end = -1
    for m in sorted(found, key=lambda m: (m.start, -m.end)):
        if m.start >= last_end and m.keys and m.end <= len(text):
            out.append(m)
            last_end = m.end
    return out


def build_view(review: dict[str, Any] | None,
               verdicts: list[CitationVerdict] | list[dict[str, Any]] | None = None) -> ReviewView:
    """The review's text with every citation marker resolved to its keys' verdicts; counts per verdict."""
    view = ReviewView()
    if not review:
        return view
    text = str(review.get("text") or "")
    if len(text) > MAX_CHARS:
        text, view.truncated = text[:MAX_CHARS], True
    view.text = text
    view.marks = citation_marks(review, text)
    if not review.get("citations"):  # the keys the reader finds now are the review's cited keys
        review = {**review, "citations": [{"keys": m.keys} for m in view.marks]}
    view.keys, view.verdict_source = key_info(review, verdicts)
    for m in view.marks:
        for key in m.keys:
            info = view.keys.get(norm_key(key))
            verdict, tip = (info.verdict, info.tip) if info else ("dangling", _tip(key, "dangling", "", None))
            m.verdicts.append(verdict)
            m.tips.append(tip)
            view.counts[verdict] = view.counts.get(verdict, 0) + 1
    return view


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """CommonMark with raw HTML, links, images and reference definitions off: nothing in a review can load,
    link or run anything; tables and strikethrough on."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "maxNesting": 20})
    md.enable(["table", "strikethrough"])
    md.disable(["link", "image", "autolink", "reference", "html_inline", "html_block"])
    return md


def _mark_html(m: Mark, index: int) -> str:
    cls = m.verdict if m.verdict in VERDICT_LABELS else "unknown"
    return (f'<span class="cite v-{cls}" data-c="{index}" tabindex="0" title="{escape(m.tip)}">'
            f"{escape(m.text)}</span>")


def render_markdown(text: str, marks: list[Mark] | None = None) -> Markup:
    """The text as safe HTML with each mark (non-overlapping, in order) as a coloured, focusable span."""
    marks = marks or []
    clean = text.replace(_OPEN, "\ufffd").replace(_CLOSE, "\ufffd")
    parts, pos = [], 0
    for i, m in enumerate(marks):
        parts += [clean[pos:m.start], f"{_OPEN}{i}{_CLOSE}"]
        pos = m.end
    parts.append(clean[pos:])
    html = markdown().render("".join(parts))

    def in_text(match: re.Match) -> str:
        i = int(match.group(1))
        return _mark_html(marks[i], i) if i < len(marks) else ""

    def in_tag(match: re.Match) -> str:  # a placeholder inside an attribute keeps only its escaped text
        i = int(match.group(1))
        return str(escape(marks[i].text)) if i < len(marks) else ""

    out = [(_PLACEHOLDER.sub(in_tag, piece) if piece.startswith("<") else _PLACEHOLDER.sub(in_text, piece))
           for piece in _TAG.split(html)]
    return Markup("".join(out))
