"""OpenScholar (AkariAsai/OpenScholar `run.py`) JSON output: `{"data": [{"input", "output", "ctxs": [...]}]}`.

The answer (`output`) cites `[i]`, the 0-based position of a passage in `ctxs` (OpenScholar numbers the passages
it shows the model `[0] Title: … Text: …`); each passage has a `title`, its `text` and often a `url` (Semantic
Scholar, arXiv). The references are the cited passages, one entry per paper: passages of the same paper (same
URL, else same title) share one entry, their numbers its aliases.
"""

from __future__ import annotations

from typing import Any

from harness.core.errors import HarnessError
from harness.models import ReferenceEntry, Review
from harness.readers.citations import extract_citations
from harness.readers.inline_links import identity
from harness.readers.json_util import load_json
from harness.readers.markdown import link_warnings, review_from_markdown
from harness.readers.references import identifiers
from harness.core.text import NUMERIC_MARKER, expand_marker

NAME = "openscholar"


def _item(data: Any) -> dict | None:
    """The answer object of an OpenScholar output (the first of `data`), or None when it is not one."""
    if isinstance(data, dict) and isinstance(data.get("data"), list) and data["data"]:
        data = data["data"][0]
    if isinstance(data, dict) and isinstance(data.get("output"), str) and isinstance(data.get("ctxs"), list):
        return data
    return None


def looks_like(data: Any) -> bool:
    """True for OpenScholar's output JSON."""
    return _item(data) is not None


def _passage_key(ctx: dict) -> str:
    url = ctx.get("url") if isinstance(ctx.get("url"), str) else ""
    return identity(url) if url.startswith("http") else "title:" + " ".join(str(ctx.get("title", "")).lower().split())


def references(ctxs: list, cited: set[int]) -> list[ReferenceEntry]:
    """One entry per cited paper, keyed by its first cited passage number; later passages are aliases."""
    by_paper: dict[str, ReferenceEntry] = {}
    for i in sorted(cited):
        ctx = ctxs[i] if 0 <= i < len(ctxs) and isinstance(ctxs[i], dict) else None
        if ctx is None:
            continue
        pk = _passage_key(ctx)
        if pk in by_paper:
            by_paper[pk].aliases.append(str(i))
            continue
        title = " ".join(str(ctx.get("title") or "").split()) or None
        url = ctx.get("url") if isinstance(ctx.get("url"), str) and ctx["url"].startswith("http") else None
        arxiv_id, doi = identifiers(url or "")
        year = ctx.get("year") if isinstance(ctx.get("year"), int) else None
        by_paper[pk] = ReferenceEntry(key=str(i), raw=f"{title or ''}. {url or ''}".strip(". "), title=title,
                                      year=year, arxiv_id=arxiv_id, doi=doi, url=url)
    return list(by_paper.values())


def parse(text: str, name: str | None = None, pool=None) -> Review:
    """The answer of an OpenScholar output, with its cited passages as references."""
    data = load_json(text)
    item = _item(data)
    if item is None:
        raise HarnessError("not an OpenScholar output", field="output",
                           hint='expected {"data": [{"input": ..., "output": ..., "ctxs": [...]}]}')
    answer = item["output"].strip().removeprefix("Answer:").strip() + "\n"
    review = review_from_markdown(answer, NAME)
    cited = {n for m in NUMERIC_MARKER.finditer(review.text) for n in expand_marker(m.group(1))}
    entries = references(item["ctxs"], cited)
    warnings = [w for w in review.warnings if w == "no review text"]
    citations = extract_citations(review.text, entries, notes=warnings)
    warnings += link_warnings(citations, entries, bool(review.text.strip()), NAME)
    n = len(data["data"]) if isinstance(data, dict) and isinstance(data.get("data"), list) else 1
    if n > 1:
        warnings.append(f"the file holds {n} answers; the first was read")
    topic = item.get("input") if isinstance(item.get("input"), str) else None
    return review.model_copy(update={"references": entries, "citations": citations, "warnings": warnings,
                                     "topic": topic, "papers": list(pool or [])})
