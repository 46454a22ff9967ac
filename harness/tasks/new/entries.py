"""Bibliography entries read from a user's file: the papers kept, and each problem by key and line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

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
                                         "entry dropped"))
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
        problems.append(Problem(key, line, "no title", "entry dropped"))
        return None
    aid, bad_arxiv = arxiv_id_from({k: str(v) for k, v in fields.items() if v is not None})
    for name in bad_arxiv:
        problems.append(Problem(key, line, f"field {name} holds no arXiv id: {fields.get(name)!r}", "field ignored"))
    doi, bad_doi = doi_from({k: str(v) for k, v in fields.items() if v is not None})
    if bad_doi:
        problems.append(Problem(key, line, f"field doi is not a DOI: {fields.get('doi')!r}", "field ignored"))
    year, bad_year = year_from(fields.get("year"))
    if bad_year:
        problems.append(Problem(key, line, f"field year is not a year: {fields.get('year')!r}", "field ignored"))
    abstract = " ".join(str(fields.get("abstract") or "").split()) or None
    url = (str(fields.get("url") or "").strip() or None) or (f"https://arxiv.org/abs/{aid}" if aid else None)
    try:
        return Paper(id=paper_id_for(aid, title), title=title, arxiv_id=aid, doi=doi, year=year, authors=authors,
                     abstract=abstract, url=url)
    except ValidationError as exc:  # defensive: a value pydantic rejects
        problems.append(Problem(key, line, f"invalid entry: {exc.errors()[0].get('msg')}", "entry dropped"))
        return None
