"""Turn an untrusted review text into plain blocks (headings, paragraphs, code) with citation spans coloured by verdict.

Nothing here produces HTML: the template escapes every string, so model text can never become markup or links.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from harness.models import CitationVerdict, Paper, Review
from harness.scorers.cited import own_paper_matcher
from harness.text import expand_marker

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
_MARKERS = re.compile(r"\[(\d{1,4}(?:\s*[,;\-–]\s*\d{1,4})*)\]|@cite_(\d{1,4})")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
MAX_CHARS = 400_000  # a review longer than this is cut in the view (the run keeps the full text)


@dataclass
class Segment:
    """Plain text, or one cited key with its verdict (a whitelisted class name) and a hover text."""

    text: str
    verdict: str | None = None
    tip: str = ""


@dataclass
class Block:
    """A heading (level 1-6), a paragraph, or a code block of the review."""

    kind: str
    segments: list[Segment]
    level: int = 0


@dataclass
class ReviewView:
    """What the HTML template shows for one generation."""

    blocks: list[Block] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    truncated: bool = False
    verdict_source: str = "none"


def _norm_key(key: Any) -> str:
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


def key_verdicts(review: dict[str, Any],
                 verdicts: list[CitationVerdict] | list[dict[str, Any]] | None) -> tuple[dict[str, tuple[str, str]], str]:
    """key -> (verdict class, hover text), from the scorer's per-citation verdicts and the review's resolution.

    Verdicts may name review keys ("key" / "keys") or the scorer's cited items ("item": a paper id, or
    "entry:<key>" for an unresolved reference entry). A key whose entry matched no paper is shown "unresolved"
    (its relevance by parsed title goes in the hover text); a key with no entry at all is "dangling".
    """
    info: dict[str, dict[str, Any]] = {}
    for ref in review.get("references") or []:
        if isinstance(ref, dict) and ref.get("key") is not None:
            info[_norm_key(ref["key"])] = {"orig": str(ref["key"]), "pid": ref.get("paper_id"),
                                           "title": ref.get("title") or ref.get("raw") or "", "entry": True,
                                           "arxiv": ref.get("arxiv_id")}
    for cit in review.get("citations") or []:
        if not isinstance(cit, dict):
            continue
        pids = list(cit.get("paper_ids") or [])
        for n, key in enumerate(cit.get("keys") or []):
            d = info.setdefault(_norm_key(key), {"orig": str(key), "pid": None, "title": "", "entry": False})
            if not d["pid"] and n < len(pids) and pids[n]:
                d["pid"] = pids[n]
    own = _own_matcher(review.get("papers") or [])
    by_key: dict[str, CitationVerdict] = {}
    by_item: dict[str, CitationVerdict] = {}
    for v in CitationVerdict.read_list(verdicts):
        for k in ([v.key] if v.key is not None else []) + v.keys:
            by_key[_norm_key(k)] = v
        if v.item is not None:
            by_item[v.item] = v
    for key, v in by_key.items():  # a key the scorer judged is a known key even without a parsed entry
        info.setdefault(key, {"orig": key, "pid": v.paper_id, "title": v.title or "", "entry": False})
    source = "scorer" if by_key or by_item else ("resolution" if info else "none")
    out: dict[str, tuple[str, str]] = {}
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
        extra = "in the review's own paper list, not the task's" if own_id else ""
        if v is not None:
            verdict = _relevance(v)
            if unresolved_item and verdict != "unresolved":
                extra = f"relevance of its parsed title: {VERDICT_LABELS.get(verdict, verdict)}"
                verdict = "unresolved"
            if v.basis:
                extra = "; ".join(x for x in (extra, f"basis: {v.basis}") if x)
            if v.similarity is not None:
                extra = "; ".join(x for x in (extra, f"similarity {v.similarity}") if x)
        elif pid or own_id:
            verdict = "resolved"
        else:
            verdict = "unresolved" if d["entry"] else "dangling"
        out[key] = (verdict, _tip(key, verdict, title, pid, extra))
    return out, source


def _tip(key: str, verdict: str, title: str, paper_id: Any, extra: str = "") -> str:
    parts = [f"[{key}] {VERDICT_LABELS.get(verdict, verdict)}"]
    if title:
        parts.append(str(title)[:300])
    if paper_id:
        parts.append(f"paper id: {paper_id}")
    if extra:
        parts.append(extra[:300])
    return "\n".join(parts)


def _segments(text: str, keys: dict[str, tuple[str, str]], counts: dict[str, int]) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for m in _MARKERS.finditer(text):
        if m.start() > pos:
            out.append(Segment(text[pos:m.start()]))
        if m.group(2) is not None:  # @cite_N
            names = [(m.group(0), f"cite_{int(m.group(2))}")]
        else:
            nums = expand_marker(m.group(1))
            names = [(str(n), str(n)) for n in nums]
            out.append(Segment("["))
        for i, (shown, key) in enumerate(names):
            if i:
                out.append(Segment(", "))
            verdict, tip = keys.get(key, ("dangling", _tip(key, "dangling", "", None)))
            counts[verdict] = counts.get(verdict, 0) + 1
            out.append(Segment(shown, verdict, tip))
        if m.group(2) is None:
            out.append(Segment("]"))
        pos = m.end()
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def build_view(review: dict[str, Any] | None,
               verdicts: list[CitationVerdict] | list[dict[str, Any]] | None = None) -> ReviewView:
    """Blocks of the review text with every citation marker resolved to a verdict; counts per verdict."""
    view = ReviewView()
    if not review:
        return view
    text = str(review.get("text") or "")
    if len(text) > MAX_CHARS:
        text, view.truncated = text[:MAX_CHARS], True
    keys, view.verdict_source = key_verdicts(review, verdicts)
    para: list[str] = []
    code: list[str] = []
    in_code = False

    def flush() -> None:
        if para:
            view.blocks.append(Block("p", _segments("\n".join(para), keys, view.counts)))
            para.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            if in_code:
                view.blocks.append(Block("pre", [Segment("\n".join(code))]))
                code.clear()
            else:
                flush()
            in_code = not in_code
            continue
        if in_code:
            code.append(line)
            continue
        m = _HEADING.match(stripped)
        if m and m.group(2):
            flush()
            view.blocks.append(Block("h", _segments(m.group(2), keys, view.counts), level=len(m.group(1))))
        elif not stripped:
            flush()
        else:
            para.append(line.rstrip())
    if in_code and code:
        view.blocks.append(Block("pre", [Segment("\n".join(code))]))
    flush()
    return view
