"""HTTP client of the scholarly APIs (Semantic Scholar Graph API, arXiv API): cached, rate-limited, retried (httpx).

Responses are cached on disk (one JSON file per request, written atomically; the API key is never part of
a key or a file), requests to each API are spaced by a minimum interval, and 429 / 5xx / connection errors
are retried with backoff that honours Retry-After. Base URLs, the interval and the key come from the
environment (`ScholarClient.from_env`), so tests point the client at a local replay server. Used by abstract
fetching (harness.papers.abstract_fetch) and by `harness tasks new --from-arxiv` (harness.tasks.new.scholar).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.paths import cache_file
from harness.core.errors import HarnessError
from harness.core.fileio import atomic_write
from harness.models import normalize_arxiv_id

S2_BASE = "https://api.semanticscholar.org/graph/v1"
ARXIV_BASE = "https://export.arxiv.org/api/query"
REF_FIELDS = "title,year,authors,externalIds,abstract,url"
PAGE = 100  # references per Graph API page
ARXIV_BATCH = 50  # ids per arXiv API query
RETRY_STATUS = {429, 500, 502, 503, 504}
_ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass
class ScholarClient:
    """GETs JSON / text from the two APIs: cached, rate-limited per API (one request at a time), retried."""

    s2_base: str = S2_BASE
    arxiv_base: str = ARXIV_BASE
    api_key: str | None = field(default=None, repr=False)
    cache_dir: Path | None = None
    min_interval_s: float = 1.0  # Semantic Scholar's public rate; arXiv asks for 3 s (arxiv_interval_s)
    arxiv_interval_s: float = 3.0
    retries: int = 4
    timeout_s: float = 30.0
    max_wait_s: float = 60.0
    requests: int = 0
    cache_hits: int = 0
    retried: int = 0
    _last: dict[str, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_env(cls) -> ScholarClient:
        """Base URLs from HARNESS_S2_API_BASE / HARNESS_ARXIV_API_BASE, key from SEMANTIC_SCHOLAR_API_KEY (or
        S2_API_KEY), interval from HARNESS_SCHOLAR_MIN_INTERVAL_S, cache under $HARNESS_CACHE_DIR/scholar."""
        env = os.environ
        base = cache_file(None).parent  # $HARNESS_CACHE_DIR or ~/.cache/review-harness
        interval = env.get("HARNESS_SCHOLAR_MIN_INTERVAL_S")
        try:
            spaced = {} if interval is None else {"min_interval_s": float(interval), "arxiv_interval_s": float(interval)}
        except ValueError:
            raise HarnessError(f"not a number: {interval!r}", field="HARNESS_SCHOLAR_MIN_INTERVAL_S") from None
        return cls(s2_base=env.get("HARNESS_S2_API_BASE", S2_BASE).rstrip("/"),
                   arxiv_base=env.get("HARNESS_ARXIV_API_BASE", ARXIV_BASE),
                   api_key=env.get("SEMANTIC_SCHOLAR_API_KEY") or env.get("S2_API_KEY") or None,
                   cache_dir=base / "scholar", **spaced)

    # --- transport ------------------------------------------------------------------------------------

    def _cache_file(self, url: str, params: dict[str, Any]) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(json.dumps([url, sorted(params.items())], default=str).encode()).hexdigest()
        return self.cache_dir / f"{key}.json"

    def _space(self, api: str, interval: float) -> None:
        """Sleep until `interval` has passed since the previous request to this API finished."""
        with self._lock:
            wait = self._last.get(api, 0.0) + interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def _done(self, api: str) -> None:
        with self._lock:
            self._last[api] = time.monotonic()

    def get(self, api: str, url: str, params: dict[str, Any]) -> str:
        """The body of a 200 response (from the cache when there); HarnessError on 404 or when retries run out."""
        import httpx

        cache = self._cache_file(url, params)
        if cache is not None and cache.is_file():
            self.cache_hits += 1
            return json.loads(cache.read_text(encoding="utf-8"))["body"]
        headers = {"x-api-key": self.api_key} if api == "s2" and self.api_key else {}
        interval = self.min_interval_s if api == "s2" else self.arxiv_interval_s
        last_error = ""
        for attempt in range(self.retries + 1):
            self._space(api, interval)
            self.requests += 1
            try:
                r = httpx.get(url, params=params, headers=headers, timeout=self.timeout_s, follow_redirects=True)
            except httpx.HTTPError as exc:
                self._done(api)
                last_error, wait = f"{type(exc).__name__}", min(self.max_wait_s, 2.0 ** attempt)
            else:
                self._done(api)
                if r.status_code == 200:
                    self._store(cache, url, r.text)
                    return r.text
                if r.status_code == 404:
                    raise HarnessError(f"not found: {url}", hint="check the arXiv id")
                if r.status_code not in RETRY_STATUS:
                    raise HarnessError(f"HTTP {r.status_code} from {url}", hint=r.text[:200].replace(self.api_key
                                                                                                or "\0", "***"))
                last_error = f"HTTP {r.status_code}"
                wait = _retry_after(r.headers.get("retry-after"), 2.0 ** attempt)
            if attempt < self.retries:
                self.retried += 1
                time.sleep(min(self.max_wait_s, wait))
        raise HarnessError(f"{url}: gave up after {self.retries + 1} attempts ({last_error})")

    def _store(self, cache: Path | None, url: str, body: str) -> None:
        if cache is None:
            return
        atomic_write(cache, json.dumps({"url": url, "body": body}))

    # --- the two APIs ---------------------------------------------------------------------------------

    def paper(self, arxiv_id: str) -> dict[str, Any]:
        return json.loads(self.get("s2", f"{self.s2_base}/paper/arXiv:{arxiv_id}",
                                   {"fields": "title,year,authors,externalIds,url"}))

    def references(self, arxiv_id: str) -> list[dict[str, Any]]:
        """Every reference record ({"citedPaper": {...}}), following the Graph API's offset paging."""
        out: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = json.loads(self.get("s2", f"{self.s2_base}/paper/arXiv:{arxiv_id}/references",
                                       {"fields": REF_FIELDS, "limit": PAGE, "offset": offset}))
            out.extend(page.get("data") or [])
            offset = page.get("next")
        return out

    def arxiv_abstracts(self, ids: list[str]) -> dict[str, str]:
        """arXiv id -> abstract (the Atom feed's summary) for the ids the arXiv API knows."""
        found: dict[str, str] = {}
        for i in range(0, len(ids), ARXIV_BATCH):
            batch = ids[i:i + ARXIV_BATCH]
            body = self.get("arxiv", self.arxiv_base, {"id_list": ",".join(batch), "max_results": len(batch)})
            try:
                root = ET.fromstring(body)
            except ET.ParseError as exc:
                raise HarnessError(f"the arXiv API answered with invalid XML: {exc}") from None
            for entry in root.iter(f"{_ATOM}entry"):
                aid = normalize_arxiv_id((entry.findtext(f"{_ATOM}id") or "").strip())
                summary = " ".join((entry.findtext(f"{_ATOM}summary") or "").split())
                if aid and summary:
                    found[aid] = summary
        return found


def _retry_after(value: str | None, default: float) -> float:
    """Seconds from a Retry-After header (delta-seconds); default when absent or not a number."""
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default
