"""Paper records read from a user's file (a bibliography, a papers file): the papers kept, each problem by key and
line, and the one papers-file reader.

A papers file (`harness tasks new --papers`, `--pool`; HARNESS_PAPER_FILES) is JSON lines, one object per line, or
one JSON list of objects (or {"papers": [...]}), each {title, arxiv_id?, doi?, year?, authors?, abstract?, url?}
(also key/id, arxiv, eprint). The rule per record (paper_from_fields): a title is required; an arXiv id, DOI or
year that is not one is a problem; a record naming the same paper as an earlier one is a duplicate; other fields
are ignored. `read_papers_file` drops bad records and reports each; `load_paper_file` (the known-paper index)
refuses the file at its first problem other than an unknown field or a duplicate, naming file, line and field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from harness.core.errors import HarnessError
from harness.models import Paper, normalize_arxiv_id, paper_id_for

_ARXIV_IN_TEXT = re.compile(r"arxiv[:\s/]*(?:abs/)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})", re.I)
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.I)
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


@dataclass(frozen=True)
class Problem:
    """One bad entry or field: where it is (key, line), what is wrong, and what was done about it."""

    key: str | None
    line: int | None
    message: str
    action: Literal["entry dropped", "field ignored"]
    field: str | None = None  # the field at fault (None: the whole record)
    kind: Literal["bad", "unknown", "duplicate"] = "bad"  # unknown field or duplicate record: never fatal

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "line": self.line, "message": self.message, "action": self.action}

    def __str__(self) -> str:
        where = (f"line {self.line}, " if self.line else "") + f"key {self.key or '?'}"
        return f"{where}: {self.message} ({self.action})"


@dataclass
class Entries:
    """Papers read from one file (in file order, with their keys and lines) and the problems met."""

    source: str
    papers: list[Paper] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    lines: list[int | None] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def dropped(self) -> list[Problem]:
        return [p for p in self.problems if p.action == "entry dropped"]

    def add(self, key: str, line: int | None, paper: Paper) -> None:
        """Keep paper unless an earlier entry is the same paper (then report it as a duplicate)."""
        first = next((i for i, p in enumerate(self.papers) if p.id == paper.id), None)
        if first is not None:
            at = f" (line {self.lines[first]})" if self.lines[first] else ""
            self.problems.append(Problem(key, line, f"same paper as key {self.keys[first]}{at}: {paper.title!r}",
                                         "entry dropped", kind="duplicate"))
            return
        self.papers.append(paper)
        self.keys.append(key)
        self.lines.append(line)


def arxiv_id_from(fields: dict[str, str]) -> tuple[str | None, list[str]]:
    """arXiv id from eprint / arxiv / url (then journal / note text); and the fields that held an unreadable one."""
    bad: list[str] = []
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    for name in ("eprint", "arxiv", "arxivid", "url"):
        value = (fields.get(name) or "").strip()
        if not value:
            continue
        if name == "eprint" and prefix and prefix != "arxiv":
            continue
        aid = normalize_arxiv_id(value)
        if aid is None and name == "url":
            continue  # a URL somewhere else (a venue page) is fine: it just holds no arXiv id
        if aid is None:
            bad.append(name)
            continue
        return aid, bad
    for name in ("journal", "note", "howpublished"):
        m = _ARXIV_IN_TEXT.search(fields.get(name) or "")
        if m:
            return normalize_arxiv_id(m.group(1)), bad
    return None, bad


def doi_from(fields: dict[str, str]) -> tuple[str | None, bool]:
    """DOI from the doi field (or a doi.org url); and whether a doi field was present but unreadable."""
    raw = (fields.get("doi") or "").strip()
    if raw:
        m = _DOI.match(raw)
        return (m.group(1), False) if m else (None, True)
    m = _DOI.match((fields.get("url") or "").strip())
    return (m.group(1) if m else None), False


def year_from(value: Any) -> tuple[int | None, bool]:
    """A four-digit year, and whether a value was present but not one."""
    if value is None or str(value).strip() == "":
        return None, False
    if isinstance(value, int):
        return (value, False) if 1000 <= value <= 2999 else (None, True)
    m = _YEAR.match(str(value))
    return (int(m.group(1)), False) if m else (None, True)


def paper_from_fields(key: str, line: int | None, fields: dict[str, Any], authors: list[str],
                      problems: list[Problem]) -> Paper | None:
    """A Paper from normalised fields (lower-case names, decoded text); problems appended; None when dropped."""
    title = " ".join(str(fields.get("title") or "").split())
    if not title:
        problems.append(Problem(key, line, "no title", "entry dropped", "title"))
        return None
    aid, bad_arxiv = arxiv_id_from({k: str(v) for k, v in fields.items() if v is not None})
    for name in bad_arxiv:
        problems.append(Problem(key, line, f"field {name} holds no arXiv id: {fields.get(name)!r}", "field ignored",
                                name))
    doi, bad_doi = doi_from({k: str(v) for k, v in fields.items() if v is not None})
    if bad_doi:
        problems.append(Problem(key, line, f"field doi is not a DOI: {fields.get('doi')!r}", "field ignored", "doi"))
    year, bad_year = year_from(fields.get("year"))
    if bad_year:
        problems.append(Problem(key, line, f"field year is not a year: {fields.get('year')!r}", "field ignored",
                                "year"))
    abstract = " ".join(str(fields.get("abstract") or "").split()) or None
    url = (str(fields.get("url") or "").strip() or None) or (f"https://arxiv.org/abs/{aid}" if aid else None)
    try:
        return Paper(id=paper_id_for(aid, title), title=title, arxiv_id=aid, doi=doi, year=year, authors=authors,
                     abstract=abstract, url=url)
    except ValidationError as exc:  # defensive: a value pydantic rejects
        problems.append(Problem(key, line, f"invalid entry: {exc.errors()[0].get('msg')}", "entry dropped"))
        return None


RECORD_FIELDS = {"id", "key", "title", "arxiv_id", "arxiv", "eprint", "doi", "year", "authors", "abstract", "url"}


def _records(path: Path) -> list[tuple[int | None, Any]]:
    """(line or None, record) of a papers file: JSON lines, or one JSON list / {"papers": [...]} object."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HarnessError(f"cannot read papers file: {exc}", path=path) from None
    stripped = text.strip()
    if path.suffix.lower() != ".jsonl" and (stripped.startswith("[") or (stripped.startswith("{")
                                                                         and "\n{" not in stripped)):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise HarnessError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None
        items = data.get("papers", [data] if "title" in data else None) if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise HarnessError('expected a list of papers or {"papers": [...]}', path=path, field="papers")
        return [(None, it) for it in items]
    out: list[tuple[int | None, Any]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        if raw.strip():
            try:
                out.append((n, json.loads(raw)))
            except json.JSONDecodeError as exc:
                out.append((n, Problem(None, n, f"invalid JSON: {exc.msg}", "entry dropped")))
    return out


def json_records(path: str | Path) -> list[dict[str, Any]]:
    """The objects of a JSON-lines (or JSON list) file, strictly: HarnessError naming file and line at the first
    line that is not a JSON object (what scripts/build_tasks.py reads the shipped papers.jsonl files with)."""
    out = []
    for n, rec in _records(Path(path)):
        if isinstance(rec, Problem) or not isinstance(rec, dict):
            why = rec.message if isinstance(rec, Problem) else f"a record must be one object, got {type(rec).__name__}"
            raise HarnessError(why, path=Path(path), line=n)
        out.append(rec)
    return out


def _record(rec: Any, n: int | None, i: int, out: Entries) -> None:
    """One record into out: its paper (when kept) and its problems."""
    if isinstance(rec, Problem):
        out.problems.append(rec)
        return
    if not isinstance(rec, dict):
        out.problems.append(Problem(None, n, f"a record must be one object, got {type(rec).__name__}",
                                    "entry dropped"))
        return
    key = str(rec.get("key") or rec.get("id") or (f"line{n}" if n else f"record{i}"))
    for extra in sorted(set(rec) - RECORD_FIELDS):
        out.problems.append(Problem(key, n, f"unknown field {extra!r}", "field ignored", extra, "unknown"))
    authors = rec.get("authors") or []
    if isinstance(authors, str):
        authors = [a.strip() for a in authors.split(" and ")]
    if not isinstance(authors, list):
        out.problems.append(Problem(key, n, "field authors is not a list", "field ignored", "authors"))
        authors = []
    fields = {"title": rec.get("title"), "arxiv": rec.get("arxiv_id") or rec.get("arxiv"),
              "eprint": rec.get("eprint"), "doi": rec.get("doi"), "year": rec.get("year"),
              "abstract": rec.get("abstract"), "url": rec.get("url")}
    if fields["title"] is not None and not isinstance(fields["title"], str):
        out.problems.append(Problem(key, n, "field title is not text", "entry dropped", "title"))
        return
    paper = paper_from_fields(key, n, fields, [str(a) for a in authors if str(a).strip()], out.problems)
    if paper is not None:
        out.add(key, n, paper)


def read_papers_file(path: str | Path) -> Entries:
    """Every record of a papers file (see the module docstring); bad records are dropped and reported."""
    path = Path(path)
    out = Entries(source=str(path))
    for i, (n, rec) in enumerate(_records(path)):
        _record(rec, n, i, out)
    return out


def load_paper_file(path: str | Path) -> list[Paper]:
    """The papers of a papers file, strictly: HarnessError naming file, line and field at the first problem
    other than an unknown field or a duplicate record."""
    entries = read_papers_file(path)
    bad = next((p for p in entries.problems if p.kind == "bad"), None)
    if bad is not None:
        raise HarnessError(f"{bad.message} (key {bad.key or '?'})", path=Path(path), line=bad.line,
                           field=f"papers.{bad.field}" if bad.field else "papers")
    return list(entries.papers)
