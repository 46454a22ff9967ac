"""SurveyBench ref.json: {arXiv id: {"arxivId": ..., "title": ...}} — a reference list without text."""

from __future__ import annotations

from harness.core.errors import HarnessError
from harness.models import ReferenceEntry, Review, normalize_arxiv_id
from harness.readers.json_util import load_json

NAME = "surveybench-ref"


def looks_like(data: object) -> bool:
    """A non-empty object whose keys are mostly arXiv ids and whose values are objects."""
    if not isinstance(data, dict) or not data:
        return False
    keys = list(data)[:50]
    ids = sum(1 for k in keys if normalize_arxiv_id(str(k)) and isinstance(data[k], dict))
    return ids >= max(1, len(keys) // 2)


def parse(text: str, name: str | None = None, pool=None) -> Review:
    """One entry per id, keyed 1..N in file order; the review text is empty."""
    data = load_json(text)
    if not isinstance(data, dict):
        raise HarnessError("expected a JSON object mapping arXiv ids to records")
    entries = []
    bad = []
    for i, (key, rec) in enumerate(data.items(), 1):
        rec = rec if isinstance(rec, dict) else {}
        raw_id = str(rec.get("arxivId") or key)
        aid = normalize_arxiv_id(raw_id)
        if aid is None:
            bad.append(str(key))
        title = rec.get("title")
        entries.append(ReferenceEntry(key=str(i), raw=raw_id + (f" {title}" if title else ""),
                                      title=str(title) if title else None, arxiv_id=aid))
    warnings = ["reference list without text"]
    if bad:
        warnings.append(f"{len(bad)} keys are not arXiv ids: " + ", ".join(bad[:10]))
    return Review(source_format=NAME, text="", references=entries, papers=list(pool or []), warnings=warnings)
