"""A local replay of the Semantic Scholar Graph API and the arXiv API for one survey (127.0.0.1 only).

Answers come from the shipped data: the rag-llm-survey task's reference survey and its first N reference
papers (titles, arXiv ids, years exactly as shipped), plus two untitled references (the Graph API returns
those for references it could not resolve). Abstracts: S2 carries those of every other paper that has one in
../shared/data/abstracts/reference-abstracts.jsonl (kind arxiv); the arXiv feed serves the rest. The first
references request answers 429 with Retry-After. Bounded (max_requests, then 503) and stops itself after
lifetime_s, on the shared plumbing of tests/fakes/local_http.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

from fakes.local_http import LocalServer  # tests/ is on sys.path (rootdir conftest)

REPO = Path(__file__).resolve().parents[2]
ABSTRACTS = REPO.parent / "shared" / "data" / "abstracts" / "reference-abstracts.jsonl"


def replay_data(n: int = 30) -> dict:
    task = json.loads((REPO / "tasks" / "rag-llm-survey.json").read_text(encoding="utf-8"))
    by_id = {p["id"]: p for p in task["papers"]}
    abstracts = {}
    for line in ABSTRACTS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["kind"] == "arxiv":
            abstracts.setdefault(row["arxiv_id"], row["abstract"])
    refs, arxiv = [], {}
    for i, pid in enumerate(task["reference_papers"][:n]):
        p = by_id[pid]
        a = abstracts.get(p["arxiv_id"])
        in_s2 = a if i % 2 == 0 else None
        if a and not in_s2:
            arxiv[p["arxiv_id"]] = a
        refs.append({"citedPaper": {"paperId": f"s2-{i}", "title": p["title"], "year": p["year"],
                                    "externalIds": {"ArXiv": p["arxiv_id"]}, "abstract": in_s2,
                                    "authors": [], "url": None}})
    refs.insert(5, {"citedPaper": {"paperId": None, "title": None, "externalIds": None}})
    refs.insert(17, {"citedPaper": {"paperId": "s2-untitled", "title": "", "externalIds": {}}})
    rs = task["reference_survey"]
    survey = {"paperId": "s2-survey", "title": rs["title"], "year": rs["year"],
              "authors": [{"name": a} for a in rs["authors"]], "externalIds": {"ArXiv": rs["arxiv_id"]}}
    return {"survey": survey, "references": refs, "arxiv": arxiv, "n": n}


class Replay(LocalServer):
    """Serve replay_data on 127.0.0.1; log each request (time, path, query, whether an API key came)."""

    def __init__(self, data: dict, page: int = 20, max_requests: int = 60, lifetime_s: float = 90.0):
        super().__init__(max_requests=max_requests, lifetime_s=lifetime_s, name="scholar-replay")
        self.data, self.page = data, page
        self._throttled = False

    def handle(self, h, method: str) -> None:
        url = urlparse(h.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if not self.admit({"t": time.monotonic(), "path": url.path, "query": q,
                           "api_key": h.headers.get("x-api-key")}):
            return self.send(h, 503, '{"error": "replay request budget spent"}')
        sid = f"arXiv:{self.data['survey']['externalIds']['ArXiv']}"
        if url.path == f"/graph/v1/paper/{sid}":
            return self.send_json(h, 200, self.data["survey"])
        if url.path == f"/graph/v1/paper/{sid}/references":
            if not self._throttled:
                self._throttled = True
                return self.send(h, 429, '{"message": "Too Many Requests"}', headers={"Retry-After": "1"})
            off = int(q.get("offset", 0))
            refs = self.data["references"]
            page = {"offset": off, "data": refs[off:off + self.page]}
            if off + self.page < len(refs):
                page["next"] = off + self.page
            return self.send_json(h, 200, page)
        if url.path == "/graph/v1/paper/arXiv:0000.00000":
            return self.send(h, 404, '{"error": "Paper not found"}')
        if url.path == "/api/query":
            ids = [i for i in q.get("id_list", "").split(",") if i]
            entries = "".join(f"<entry><id>http://arxiv.org/abs/{i}v1</id><summary>{escape(self.data['arxiv'][i])}"
                              "</summary></entry>" for i in ids if i in self.data["arxiv"])
            return self.send(h, 200, f'<feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>',
                             "application/atom+xml")
        return self.send(h, 404, '{"error": "not in the replay"}')
