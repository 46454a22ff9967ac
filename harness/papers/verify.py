"""Optional online verification of references (off by default): `identified` and `unidentified` entries are
looked up through the public APIs of arXiv (arXiv ids), Crossref (DOIs) and OpenAlex (titles).

A found entry becomes `verified`, a missing one `not_found`; a lookup that fails (network, 5xx, rate limit)
leaves the class as it was and is counted. Answers are cached in SQLite (`verify.sqlite`, never errors), and
requests to one host are spaced by at least its polite interval. Base URLs are settable, so tests run against a
local replay server and never the network (`HARNESS_ARXIV_API`, `HARNESS_CROSSREF_API`, `HARNESS_OPENALEX_API`
override the base URLs).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from rapidfuzz import fuzz

from harness.models import ReferenceEntry, normalize_arxiv_id, normalize_title

ARXIV_API = "https://export.arxiv.org/api/query"
CROSSREF_API = "https://api.crossref.org"
OPENALEX_API = "https://api.openalex.org"
# arXiv asks for one request every 3 s; Crossref and OpenAlex allow ~10/s for polite (mailto) clients.
POLITE_INTERVAL_S = {"arxiv": 3.0, "crossref": 0.2, "openalex": 0.2}
TITLE_MATCH = 90  # rapidfuzz ratio on normalised titles for an OpenAlex title hit
USER_AGENT = "review-harness/0.1 (reference verification; https://github.com/)"


@dataclass
class VerifyConfig:
    """Where and how politely to look references up."""

    arxiv_api: str = field(default_factory=lambda: os.environ.get("HARNESS_ARXIV_API", ARXIV_API))
    crossref_api: str = field(default_factory=lambda: os.environ.get("HARNESS_CROSSREF_API", CROSSREF_API))
    openalex_api: str = field(default_factory=lambda: os.environ.get("HARNESS_OPENALEX_API", OPENALEX_API))
    intervals_s: dict[str, float] = field(default_factory=lambda: dict(POLITE_INTERVAL_S))
    timeout_s: float = 20.0
    mailto: str | None = None
    cache_dir: Path = field(default_factory=lambda: Path(".cache"))
    max_requests: int = 500  # per verifier: a bound, so a huge list cannot hammer an API


@dataclass
class Outcome:
    """The result of verifying one entry."""

    key: str
    before: str | None
    after: str | None
    service: str | None = None
    detail: str = ""


class _Cache:
    """SQLite cache of lookups: (service, query) -> found, record JSON."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS lookups (service TEXT, query TEXT, found INTEGER, record TEXT, "
                        "at REAL, PRIMARY KEY (service, query))")
        self.lock = threading.Lock()

    def get(self, service: str, query: str) -> tuple[bool, dict] | None:
        with self.lock:
            row = self.db.execute("SELECT found, record FROM lookups WHERE service=? AND query=?",
                                  (service, query)).fetchone()
        return (bool(row[0]), json.loads(row[1] or "{}")) if row else None

    def put(self, service: str, query: str, found: bool, record: dict) -> None:
        with self.lock, self.db:
            self.db.execute("INSERT OR REPLACE INTO lookups VALUES (?, ?, ?, ?, ?)",
                            (service, query, int(found), json.dumps(record)[:20000], time.time()))


class Verifier:
    """Looks entries up online, politely and through a cache."""

    def __init__(self, config: VerifyConfig | None = None, client=None):
        import httpx

        self.cfg = config or VerifyConfig()
        headers = {"User-Agent": USER_AGENT + (f" mailto:{self.cfg.mailto}" if self.cfg.mailto else "")}
        self.client = client or httpx.Client(timeout=self.cfg.timeout_s, headers=headers, follow_redirects=True)
        self.cache = _Cache(Path(self.cfg.cache_dir) / "verify.sqlite")
        self._last: dict[str, float] = {}
        self.requests = 0
        self.failures = 0
        self.cache_hits = 0

    def _get(self, service: str, url: str, params: dict | None = None):
        """One polite GET; None when it failed (counted) or the request budget is spent."""
        if self.requests >= self.cfg.max_requests:
            self.failures += 1
            return None
        wait = self._last.get(service, 0.0) + self.cfg.intervals_s.get(service, 1.0) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.requests += 1
        try:
            resp = self.client.get(url, params=params)
        except Exception:  # network errors leave the class unchanged
            self.failures += 1
            return None
        finally:
            self._last[service] = time.monotonic()
        if resp.status_code == 404:
            return resp
        if resp.status_code >= 400:
            self.failures += 1
            return None
        return resp

    def _lookup(self, service: str, query: str, fn) -> tuple[bool, dict] | None:
        hit = self.cache.get(service, query)
        if hit is not None:
            self.cache_hits += 1
            return hit
        res = fn(query)
        if res is not None:
            self.cache.put(service, query, *res)
        return res

    def arxiv(self, aid: str) -> tuple[bool, dict] | None:
        """Is this arXiv id a real paper? (the API answers an error entry for unknown ids)."""
        def fn(q: str):
            resp = self._get("arxiv", self.cfg.arxiv_api, {"id_list": q, "max_results": 1})
            if resp is None:
                return None
            if resp.status_code == 404:
                return False, {}
            try:
                root = ET.fromstring(resp.text)
            except ET.ParseError:
                self.failures += 1
                return None
            ns = {"a": "http://www.w3.org/2005/Atom"}
            for e in root.findall("a:entry", ns):
                eid = (e.findtext("a:id", "", ns) or "").strip()
                title = " ".join((e.findtext("a:title", "", ns) or "").split())
                if normalize_arxiv_id(eid.rsplit("/abs/", 1)[-1]) == q and title.lower() != "error":
                    return True, {"title": title, "id": eid}
            return False, {}
        return self._lookup("arxiv", aid, fn)

    def crossref(self, doi: str) -> tuple[bool, dict] | None:
        """Does Crossref hold this DOI?"""
        def fn(q: str):
            resp = self._get("crossref", f"{self.cfg.crossref_api}/works/{quote(q, safe='/()')}")
            if resp is None:
                return None
            if resp.status_code == 404:
                return False, {}
            try:
                msg = resp.json().get("message", {})
            except ValueError:
                self.failures += 1
                return None
            return True, {"title": (msg.get("title") or [""])[0], "doi": msg.get("DOI")}
        return self._lookup("crossref", doi.lower(), fn)

    def openalex_title(self, title: str) -> tuple[bool, dict] | None:
        """Does OpenAlex hold a work with (nearly) this title?"""
        def fn(q: str):
            params = {"filter": f"title.search:{q.replace(',', ' ')}", "per-page": 5}
            if self.cfg.mailto:
                params["mailto"] = self.cfg.mailto
            resp = self._get("openalex", f"{self.cfg.openalex_api}/works", params)
            if resp is None:
                return None
            try:
                results = resp.json().get("results", []) if resp.status_code != 404 else []
            except ValueError:
                self.failures += 1
                return None
            want = normalize_title(q)
            for r in results:
                got = normalize_title(r.get("title") or r.get("display_name") or "")
                if got and fuzz.ratio(want, got) >= TITLE_MATCH:
                    return True, {"title": r.get("title") or r.get("display_name"), "id": r.get("id")}
            return False, {}
        return self._lookup("openalex", title, fn)

    def verify_entry(self, entry: ReferenceEntry) -> Outcome:
        """Look one identified/unidentified entry up; other classes are returned unchanged."""
        before = entry.ref_class
        if before not in ("identified", "unidentified"):
            return Outcome(entry.key, before, before, detail="not looked up (class needs no verification)")
        tries = []
        if entry.arxiv_id:
            tries.append(("arxiv", lambda: self.arxiv(entry.arxiv_id)))  # type: ignore[arg-type]
        if entry.doi:
            tries.append(("crossref", lambda: self.crossref(entry.doi)))  # type: ignore[arg-type]
        if entry.title and len(normalize_title(entry.title)) >= 12:
            tries.append(("openalex", lambda: self.openalex_title(entry.title)))  # type: ignore[arg-type]
        if not tries:
            return Outcome(entry.key, before, before, detail="nothing to look up (no arXiv id, DOI or title)")
        answered = False
        for service, fn in tries:
            res = fn()
            if res is None:
                continue
            answered = True
            if res[0]:
                return Outcome(entry.key, before, "verified", service, str(res[1].get("title") or "")[:200])
        if not answered:
            return Outcome(entry.key, before, before, detail="lookup failed; class unchanged")
        return Outcome(entry.key, before, "not_found", tries[-1][0], "no service holds it")


def verify_resolved(resolved, verifier: Verifier) -> list[Outcome]:
    """Verify a resolved review's identified/unidentified entries in place (entry classes and the report)."""
    outcomes = []
    looked = 0
    for entry in resolved.review.references:
        out = verifier.verify_entry(entry)
        outcomes.append(out)
        if out.after in ("verified", "not_found"):
            looked += 1
            entry.ref_class = out.after
            for k in [entry.key, *entry.aliases]:
                resolved.report.classes[k] = out.after
            if entry.key in resolved.report.entry_classes:
                resolved.report.entry_classes[entry.key] = out.after
    resolved.report.verified_online = looked
    resolved.report.verification_ran = True
    return outcomes
