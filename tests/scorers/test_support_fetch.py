"""--fetch-abstracts: missing abstracts from arXiv, Semantic Scholar or OpenAlex (a local replay server), cached,
spaced per API; offline the citations stay unverifiable, never failures."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

import pytest

from fakes.local_http import LocalServer  # tests/ is on sys.path (rootdir conftest)
from harness.papers.abstract_fetch import openalex_abstract
from harness.readers import parse_text
from harness.scorers import ScoringContext, score_review

pytestmark = pytest.mark.timeout(300)

ARXIV = ("2401.00001", "Zeta flows forecast traffic on tiny lake roads",
         "We propose zeta flows, a spatio-temporal model that forecasts traffic on road networks.")
S2 = ("Transformers for weather nowcasting over regional radar grids",
      "We train a transformer to nowcast precipitation from radar sequences over regional grids.")
OPENALEX = ("Graph diffusion for bike sharing demand in dense cities",
            "We model bike sharing demand with graph diffusion over city stations.")
NOWHERE = "A paper that no service has ever heard of at all"


class Scholarly(LocalServer):
    """arXiv Atom for ARXIV, S2 search/match for S2, OpenAlex works for OPENALEX; nothing for the rest."""

    def handle(self, h, method: str) -> None:
        url = urlparse(h.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if not self.admit({"t": time.monotonic(), "path": url.path, "query": q}):
            return self.send(h, 503, "{}")
        if url.path == "/api/query":
            entries = "".join(f"<entry><id>http://arxiv.org/abs/{a}v1</id><title>{escape(t)}</title><summary>"
                              f"{escape(s)}</summary></entry>" for a, t, s in [ARXIV] if a in q.get("id_list", ""))
            return self.send(h, 200, f'<feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>', "application/xml")
        if url.path == "/graph/v1/paper/search/match":
            if q.get("query", "").lower() == S2[0].lower():
                return self.send_json(h, 200, {"data": [{"paperId": "x", "title": S2[0], "abstract": S2[1]}]})
            return self.send(h, 404, '{"error": "Title match not found"}')
        if url.path == "/works":
            words = OPENALEX[1].split()
            inv: dict[str, list[int]] = {}
            for i, w in enumerate(words):
                inv.setdefault(w, []).append(i)
            hits = [{"title": OPENALEX[0], "abstract_inverted_index": inv}] if OPENALEX[0] in q.get("filter", "") else []
            return self.send_json(h, 200, {"results": hits})
        return self.send(h, 404, "{}")


def _review():
    body = ("Zeta flows forecast road traffic well [1]. Radar transformers nowcast rain [2]. "
            "Graph diffusion models bike demand [3]. Nobody knows this [4].")
    refs = (f"[1] {ARXIV[1]}. arXiv:{ARXIV[0]}\n[2] {S2[0]}\n[3] {OPENALEX[0]}\n[4] {NOWHERE}\n")
    return parse_text(f"# R\n\n{body}\n\n## References\n\n{refs}", format="markdown")


def _env(monkeypatch, tmp_path, base: str) -> None:
    monkeypatch.setenv("HARNESS_ARXIV_API_BASE", f"{base}/api/query")
    monkeypatch.setenv("HARNESS_S2_API_BASE", f"{base}/graph/v1")
    monkeypatch.setenv("HARNESS_OPENALEX_API", base)
    monkeypatch.setenv("HARNESS_SCHOLAR_MIN_INTERVAL_S", "0.3")
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))


def _support(stfm_task, fetch: bool) -> dict:
    ctx = ScoringContext(fetch_abstracts=fetch)
    return {s.name: s for s in score_review(_review(), stfm_task, ctx, ["citations"])}


def test_missing_abstracts_are_fetched_from_each_service_cached_and_spaced(monkeypatch, tmp_path, stfm_task):
    with Scholarly(max_requests=40, lifetime_s=200) as srv:
        _env(monkeypatch, tmp_path, srv.base)
        off = _support(stfm_task, fetch=False)
        assert srv.count == 0 and off["citations.unverifiable"].value == 4  # off by default: nothing asked
        s = _support(stfm_task, fetch=True)
        rate = s["citations.support_rate"]
        assert rate.status == "ok", rate.explanation
        assert rate.details["abstracts_fetched"] == {"arxiv": 1, "semantic_scholar": 1, "openalex": 1}
        assert rate.details["abstracts_not_found"] == 1
        assert s["citations.unverifiable"].value == 1 and rate.details["occurrences_judged"] == 3
        log = list(srv.log)
        for api in ("/graph/v1", "/works"):  # requests to one API are spaced by the interval
            times = [e["t"] for e in log if e["path"].startswith(api)]
            assert all(b - a >= 0.29 for a, b in zip(times, times[1:])), api
        n = srv.count
        again = _support(stfm_task, fetch=True)
        assert again["citations.support_rate"].details["abstracts_fetched"] == rate.details["abstracts_fetched"]
        assert srv.count - n <= 2  # found answers come from the disk cache (only the misses are asked again)


def test_offline_the_citations_stay_unverifiable_not_failures(monkeypatch, tmp_path, stfm_task):
    srv = Scholarly(max_requests=1, lifetime_s=5)
    base = srv.base  # a port nothing listens on once stopped
    srv.stop()
    _env(monkeypatch, tmp_path, base)
    t0 = time.monotonic()
    s = _support(stfm_task, fetch=True)
    assert time.monotonic() - t0 < 120
    rate = s["citations.support_rate"]
    assert rate.status == "not_applicable" and "no cited paper has an abstract" in rate.explanation
    assert s["citations.unverifiable"].value == 4 and s["citations.unverifiable"].status == "ok"
    assert rate.details["abstract_lookups_failed"] >= 1


def test_openalex_inverted_abstracts_are_rebuilt_in_order():
    assert openalex_abstract({"b": [1], "a": [0, 2]}) == "a b a"
    assert openalex_abstract(None) is None
