"""A survey's references from the Semantic Scholar Graph API, missing abstracts from the arXiv API, through
harness.papers.scholar_api.ScholarClient (cached on disk, rate-limited per API, retried)."""

from __future__ import annotations

from harness.core.errors import HarnessError
from harness.models import ReferenceSurvey, normalize_arxiv_id
from harness.papers.records import Entries, paper_from_fields
from harness.papers.scholar_api import ScholarClient

__all__ = ["ScholarClient", "survey_entries"]


def survey_entries(arxiv_id: str, client: ScholarClient) -> tuple[ReferenceSurvey, Entries, dict[str, int]]:
    """The survey (title, authors, year) and its references as Entries; abstracts filled from arXiv; counts."""
    aid = normalize_arxiv_id(arxiv_id)
    if aid is None:
        raise HarnessError(f"not an arXiv id: {arxiv_id!r}", field="--from-arxiv")
    meta = client.paper(aid)
    if not meta.get("title"):
        raise HarnessError(f"Semantic Scholar has no title for arXiv:{aid}", field="--from-arxiv")
    survey = ReferenceSurvey(title=meta["title"], authors=[a.get("name", "") for a in meta.get("authors") or []
                                                           if a.get("name")],
                             year=meta.get("year"), arxiv_id=aid, url=f"https://arxiv.org/abs/{aid}")
    entries = Entries(source=f"semantic-scholar:arXiv:{aid}/references")
    for n, rec in enumerate(client.references(aid), 1):
        p = rec.get("citedPaper") or {}
        key = f"reference {n}" + (f" ({p['paperId']})" if p.get("paperId") else "")
        ext = p.get("externalIds") or {}
        fields = {"title": p.get("title"), "year": p.get("year"), "arxiv": ext.get("ArXiv"), "doi": ext.get("DOI"),
                  "abstract": p.get("abstract"), "url": p.get("url")}
        authors = [a.get("name", "") for a in p.get("authors") or [] if a.get("name")]
        paper = paper_from_fields(key, None, fields, authors, entries.problems)
        if paper is not None:
            entries.add(key, None, paper)
    missing = [p.arxiv_id for p in entries.papers if p.arxiv_id and not p.abstract]
    filled = client.arxiv_abstracts(missing) if missing else {}
    entries.papers = [p.model_copy(update={"abstract": filled[p.arxiv_id]}) if p.arxiv_id in filled else p
                      for p in entries.papers]
    stats = {"references": len(entries.papers) + len(entries.dropped), "kept": len(entries.papers),
             "abstracts_from_s2": sum(1 for p in entries.papers if p.abstract) - len(filled),
             "abstracts_from_arxiv": len(filled), "without_abstract": sum(1 for p in entries.papers if not p.abstract)}
    return survey, entries, stats
