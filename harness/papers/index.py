"""The harness's paper index: every paper of every shipped task and pool, plus paper files a user adds.

A reference that resolves here but not to the scored task is `known` (`harness.papers.refclass`). Paper files are
JSON (a list of papers, or {"papers": [...]}) or JSON lines, one paper per line, with at least a title;
`HARNESS_PAPER_FILES` (paths joined by the OS path separator) adds files to the default index. Built once per
process and set of files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import ValidationError

from harness.core.errors import HarnessError
from harness.models import Paper, paper_id_for

_CACHE: dict[tuple, object] = {}


def load_paper_file(path: str | Path) -> list[Paper]:
    """Papers of one JSON / JSON-lines file; HarnessError naming file, line and field for a bad record."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HarnessError(f"cannot read paper file: {exc}", path=p) from None
    rows: list[tuple[int, object]] = []
    stripped = text.lstrip()
    if p.suffix.lower() != ".jsonl" and (stripped.startswith("[") or (stripped.startswith("{") and "\n{" not in
                                                                       stripped.strip())):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise HarnessError(f"invalid JSON: {exc.msg}", path=p, line=exc.lineno) from None
        items = (data.get("papers", [data] if "title" in data else None)) if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise HarnessError('expected a list of papers or {"papers": [...]}', path=p, field="papers")
        rows = [(0, it) for it in items]
    else:
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise HarnessError(f"invalid JSON line: {exc.msg}", path=p, line=n) from None
    out = []
    for i, (line, rec) in enumerate(rows):
        if not isinstance(rec, dict) or not str(rec.get("title") or "").strip():
            raise HarnessError("a paper needs a title", path=p, line=line or None, field=f"papers[{i}].title")
        rec = {k: rec.get(k) for k in ("id", "title", "arxiv_id", "doi", "year", "authors", "url") if k in rec}
        rec.setdefault("id", paper_id_for(rec.get("arxiv_id"), rec["title"]))
        rec["authors"] = rec.get("authors") or []
        try:
            out.append(Paper.model_validate(rec))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise HarnessError(err["msg"], path=p, line=line or None,
                               field=f"papers[{i}]." + ".".join(str(x) for x in err["loc"])) from None
    return out


def shipped_papers(tasks_dir: str | Path | None = None) -> list[Paper]:
    """Every paper of every task of the suite (bibliographies and pools); none when the suite is missing."""
    from harness.tasks.suite import load_suite

    try:
        suite = load_suite(tasks_dir)
    except HarnessError:
        return []
    return [p for t in suite.values() for p in t.papers]


def env_paper_files() -> list[str]:
    """Paper files named by HARNESS_PAPER_FILES."""
    return [f for f in os.environ.get("HARNESS_PAPER_FILES", "").split(os.pathsep) if f.strip()]


def paper_index(extra_files: Sequence[str | Path] = (), tasks_dir: str | Path | None = None,
                extra_papers: Iterable[Paper] = ()):
    """The index (a `harness.papers.resolve` paper index) of shipped papers + files; cached per arguments."""
    from harness.papers.resolve import PaperIndex

    files = [str(f) for f in [*env_paper_files(), *extra_files]]
    extra = list(extra_papers)
    key = (str(tasks_dir), tuple(files), tuple(p.id for p in extra))
    if key not in _CACHE:
        papers = shipped_papers(tasks_dir)
        for f in files:
            papers += load_paper_file(f)
        _CACHE[key] = PaperIndex(papers + extra)
    return _CACHE[key]
