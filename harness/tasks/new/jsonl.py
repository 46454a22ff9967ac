"""Read a papers.jsonl file: one JSON object per line ({title, arxiv_id?, doi?, year?, authors?, abstract?, url?})."""

from __future__ import annotations

import json
from pathlib import Path

from harness.core.errors import HarnessError
from harness.tasks.new.entries import Entries, Problem, paper_from_fields

FIELDS = {"id", "key", "title", "arxiv_id", "arxiv", "eprint", "doi", "year", "authors", "abstract", "url"}


def read_papers_jsonl(path: str | Path) -> Entries:
    """Parse path line by line; bad lines (invalid JSON, no title, duplicates) are dropped and reported."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise HarnessError(f"cannot read papers file: {exc}", path=path) from None
    out = Entries(source=str(path))
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError as exc:
            out.problems.append(Problem(None, n, f"invalid JSON: {exc.msg}", "entry dropped"))
            continue
        if not isinstance(rec, dict):
            out.problems.append(Problem(None, n, f"a line must hold one object, got {type(rec).__name__}",
                                        "entry dropped"))
            continue
        key = str(rec.get("key") or rec.get("id") or f"line{n}")
        for extra in sorted(set(rec) - FIELDS):
            out.problems.append(Problem(key, n, f"unknown field {extra!r}", "field ignored"))
        authors = rec.get("authors") or []
        if isinstance(authors, str):
            authors = [a.strip() for a in authors.split(" and ")]
        if not isinstance(authors, list):
            out.problems.append(Problem(key, n, "field authors is not a list", "field ignored"))
            authors = []
        fields = {"title": rec.get("title"), "arxiv": rec.get("arxiv_id") or rec.get("arxiv"),
                  "eprint": rec.get("eprint"), "doi": rec.get("doi"), "year": rec.get("year"),
                  "abstract": rec.get("abstract"), "url": rec.get("url")}
        if fields["title"] is not None and not isinstance(fields["title"], str):
            out.problems.append(Problem(key, n, "field title is not text", "entry dropped"))
            continue
        paper = paper_from_fields(key, n, fields, [str(a) for a in authors if str(a).strip()], out.problems)
        if paper is not None:
            out.add(key, n, paper)
    return out
