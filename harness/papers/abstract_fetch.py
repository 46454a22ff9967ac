"""Missing abstracts of cited papers, fetched online (off by default: `--fetch-abstracts`, scorers.fetch_abstracts).

A cited paper with no known abstract leaves its citations `unverifiable` for support. With fetching on, its
abstract is looked up: by arXiv id in the arXiv API, else by title in Semantic Scholar (search/match), else
in OpenAlex (its inverted-index abstract rebuilt). Transport is harness.papers.scholar_api.ScholarClient: answers
cached on disk, requests to each API spaced, 429 / 5xx retried. A lookup that fails or finds nothing leaves the
paper without an abstract (still unverifiable, never a failure); a found title must match closely.
Base URLs come from HARNESS_ARXIV_API_BASE / HARNESS_S2_API_BASE / HARNESS_OPENALEX_API, so tests use a
local replay server.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from harness.core.errors import HarnessError
from harness.models import normalize_arxiv_id, normalize_title
from harness.papers.scholar_api import ScholarClient

OPENALEX_API = "https://api.openalex.org"
TITLE_MATCH = 90  # rapidfuzz ratio of normalised titles for a title lookup to count
MAX_LOOKUPS = 300  # per review: a bound, so a huge bibliography cannot hammer the APIs


@dataclass
class FetchReport:
    """What fetching did: abstracts found per source, papers left without one, lookups that failed."""

    found: dict[str, int] = field(default_factory=lambda: {"arxiv": 0, "semantic_scholar": 0, "openalex": 0})
    missing: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        return {"abstracts_fetched": dict(self.found), "abstracts_not_found": self.missing,
                "abstract_lookups_failed": self.failed, "abstract_fetch_errors": self.errors[:3]}


def openalex_abstract(inverted: dict[str, list[int]] | None) -> str | None:
    """The text of an OpenAlex `abstract_inverted_index` (word -> positions)."""
    if not inverted:
        return None
    pos = sorted((i, w) for w, places in inverted.items() for i in places)
    return " ".join(w for _, w in pos) or None


def _same_title(want: str, got: str | None) -> bool:
    return bool(got) and fuzz.ratio(normalize_title(want), normalize_title(got or "")) >= TITLE_MATCH


class AbstractFetcher:
    """Looks up abstracts through one ScholarClient (cached, rate-limited, retried)."""

    def __init__(self, client: ScholarClient | None = None, openalex_api: str | None = None):
        if client is None:  # best effort: one retry, short waits (a review must not wait minutes offline)
            client = ScholarClient.from_env()
            client.retries, client.max_wait_s = 1, 5.0
        self.client = client
        self.openalex = (openalex_api or os.environ.get("HARNESS_OPENALEX_API", OPENALEX_API)).rstrip("/")
        self.report = FetchReport()
        self.down: set[str] = set()  # APIs that gave up once (offline, or down): not asked again

    def _try(self, api: str, fn, *args) -> Any:
        if api in self.down:
            return None
        try:
            return fn(*args)
        except HarnessError as exc:  # network down, 404, retries spent: the paper stays unverifiable
            self.report.failed += 1
            self.report.errors.append(str(exc)[:200])
            if "gave up" in str(exc):
                self.down.add(api)
            return None

    def _s2(self, title: str) -> str | None:
        body = json.loads(self.client.get("s2", f"{self.client.s2_base}/paper/search/match",
                                          {"query": title, "fields": "title,abstract"}))
        hit = (body.get("data") or [{}])[0]
        return hit.get("abstract") if _same_title(title, hit.get("title")) else None

    def _openalex(self, title: str) -> str | None:
        body = json.loads(self.client.get("openalex", f"{self.openalex}/works",
                                          {"filter": f"title.search:{title.replace(',', ' ')}", "per-page": 5}))
        for r in body.get("results") or []:
            if _same_title(title, r.get("title") or r.get("display_name")):
                return openalex_abstract(r.get("abstract_inverted_index"))
        return None

    def fill(self, items: list) -> FetchReport:
        """Give cited items (CitedItem-like: title, arxiv_id, abstract) that lack an abstract the one found."""
        todo = [it for it in items if not it.abstract and (it.arxiv_id or (it.title and len(it.title) >= 12))]
        todo = todo[:MAX_LOOKUPS]
        ids = sorted({normalize_arxiv_id(it.arxiv_id) for it in todo if it.arxiv_id} - {None, ""})
        by_id = (self._try("arxiv", self.client.arxiv_abstracts, ids) or {}) if ids else {}
        for it in todo:
            text = by_id.get(normalize_arxiv_id(it.arxiv_id)) if it.arxiv_id else None
            source = "arxiv"
            if not text and it.title:
                text, source = self._try("s2", self._s2, it.title), "semantic_scholar"
                if not text:
                    text, source = self._try("openalex", self._openalex, it.title), "openalex"
            if text:
                it.abstract = " ".join(text.split())
                self.report.found[source] += 1
            else:
                self.report.missing += 1
        return self.report
