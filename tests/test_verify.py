"""Online verification against a local replay server (127.0.0.1, bounded, stops itself): never the network."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from fakes.local_http import LocalServer  # tests/ is on sys.path (rootdir conftest)
from harness.readers import parse_text
from harness.papers.resolve import resolve_review
from harness.papers.verify import VerifyConfig, Verifier, verify_resolved

KNOWN_ARXIV = {"2210.03629": "ReAct: Synergizing Reasoning and Acting in Language Models"}
KNOWN_DOI = {"10.18653/v1/2020.acl-main.450": "Asking and Answering Questions to Evaluate Factual Consistency"}
KNOWN_TITLES = ["A Real Paper About Graph Oracles In Practice"]
MAX_REQUESTS = 100


class Replay(LocalServer):
    """A tiny arXiv / Crossref / OpenAlex stand-in that logs each request's path and time."""

    def __init__(self) -> None:
        super().__init__(max_requests=MAX_REQUESTS, lifetime_s=60, name="verify-replay")

    def handle(self, h, method: str) -> None:
        if not self.admit((h.path, time.monotonic())):
            return self.send(h, 503, b"{}")
        url = urlparse(h.path)
        q = parse_qs(url.query)
        if url.path == "/arxiv/query":
            aid = q["id_list"][0]
            entry = (f"<entry><id>http://arxiv.org/abs/{aid}v1</id><title>{KNOWN_ARXIV[aid]}</title></entry>"
                     if aid in KNOWN_ARXIV else "")
            return self.send(h, 200, f'<feed xmlns="http://www.w3.org/2005/Atom">{entry}</feed>',
                             "application/atom+xml")
        if url.path.startswith("/crossref/works/"):
            doi = unquote(url.path[len("/crossref/works/"):])
            if doi in KNOWN_DOI:
                return self.send_json(h, 200, {"message": {"DOI": doi, "title": [KNOWN_DOI[doi]]}})
            return self.send(h, 404, b"Resource not found.", "text/plain")
        if url.path == "/openalex/works":
            want = q["filter"][0].split(":", 1)[1].lower()
            res = [{"id": "W1", "title": t} for t in KNOWN_TITLES if t.lower() == want]
            return self.send_json(h, 200, {"results": res})
        return self.send(h, 503, b"down", "text/plain")


@pytest.fixture()
def replay():
    with Replay() as r:
        yield r


def _config(replay: Replay, tmp: Path, interval: float = 0.0, base: str | None = None) -> VerifyConfig:
    b = base or replay.base
    return VerifyConfig(arxiv_api=f"{b}/arxiv/query", crossref_api=f"{b}/crossref", openalex_api=f"{b}/openalex",
                        intervals_s={"arxiv": interval, "crossref": interval, "openalex": interval}, cache_dir=tmp,
                        timeout_s=5)


_REVIEW = ("# R\n\nAgents act [1]. Consistency is checked [2]. An oracle exists [3]. A fake id [4]. A fake DOI [5]. "
           "An invented title [6]. A blog [7].\n\n## References\n\n"
           "[1] ReAct https://arxiv.org/abs/2210.03629\n"
           "[2] QAGS. https://doi.org/10.18653/v1/2020.acl-main.450\n"
           "[3] A Real Paper About Graph Oracles In Practice\n"
           "[4] Imaginary Transformers arXiv:2309.17777\n"  # well-formed: only an online look-up can tell
           "[5] Nonexistent Study. https://doi.org/10.9999/does-not-exist\n"
           "[6] An Invented Title About Quantum Traffic Oracles\n"
           "[7] Tips [https://blog.example.com/t](https://blog.example.com/t)\n")


def _resolved():
    return resolve_review(parse_text(_REVIEW, format="markdown"), [], papers_are_task=False)


def test_found_entries_become_verified_missing_ones_not_found(replay, tmp_path):
    resolved = _resolved()
    assert [e.ref_class for e in resolved.review.references] == [
        "identified", "identified", "unidentified", "identified", "identified", "unidentified", "web"]
    verify_resolved(resolved, Verifier(_config(replay, tmp_path)))
    assert [e.ref_class for e in resolved.review.references] == [
        "verified", "verified", "verified", "not_found", "not_found", "not_found", "web"]
    assert resolved.report.verification_ran and resolved.report.verified_online == 6
    assert not any("blog.example.com" in p for p, _ in replay.log)  # web pages are not looked up


def test_lookups_are_cached_and_spaced_politely(replay, tmp_path):
    verify_resolved(_resolved(), Verifier(_config(replay, tmp_path, interval=0.15)))
    first = list(replay.log)
    arxiv_times = [t for p, t in first if p.startswith("/arxiv")]
    openalex_times = [t for p, t in first if p.startswith("/openalex")]
    for times in (arxiv_times, openalex_times):
        assert all(b - a >= 0.14 for a, b in zip(times, times[1:])), times
    v = Verifier(_config(replay, tmp_path))
    verify_resolved(_resolved(), v)
    assert len(replay.log) == len(first) and v.requests == 0 and v.cache_hits > 0  # all answered from SQLite


def test_a_failing_service_leaves_the_class_unchanged_and_is_not_cached(replay, tmp_path):
    resolved = _resolved()
    v = Verifier(_config(replay, tmp_path, base=replay.base + "/down"))
    verify_resolved(resolved, v)
    assert [e.ref_class for e in resolved.review.references][:6] == [
        "identified", "identified", "unidentified", "identified", "identified", "unidentified"]
    assert v.failures > 0
    again = _resolved()
    verify_resolved(again, Verifier(_config(replay, tmp_path)))
    assert again.review.references[0].ref_class == "verified"  # the failure was not cached


def test_not_found_score_counts_what_verification_found(replay, tmp_path, monkeypatch):
    from harness.models import Task
    from harness.scorers import ScoringContext, ScoringSuite, score_review

    from reliability.conftest import small_task  # tests/ is on sys.path (rootdir conftest)

    task = Task.model_validate(small_task("verify-task", "graph neural networks"))
    cfg = _config(replay, tmp_path)
    monkeypatch.setenv("HARNESS_ARXIV_API", cfg.arxiv_api)
    monkeypatch.setenv("HARNESS_CROSSREF_API", cfg.crossref_api)
    monkeypatch.setenv("HARNESS_OPENALEX_API", cfg.openalex_api)
    monkeypatch.setitem(__import__("harness.papers.verify", fromlist=["POLITE_INTERVAL_S"]).POLITE_INTERVAL_S, "arxiv", 0.0)
    review = parse_text(_REVIEW, format="markdown")
    shipped = ScoringSuite.from_env()  # the shipped suite's papers are the known index
    off = {s.name: s for s in score_review(review, task, ScoringContext(suite=shipped), ["citations"])}
    assert off["citations.not_found"].status == "not_applicable" and "verify" in off["citations.not_found"].explanation
    on = {s.name: s for s in score_review(review, task, ScoringContext(verify_online=True, verify_cache_dir=tmp_path,
                                                                             suite=shipped), ["citations"])}
    assert on["citations.not_found"].value == 3
    # ReAct [1] is a paper of the shipped agents task (known, no lookup); [2] and [3] are verified
    assert on["citations.valid_rate"].details["occurrence_classes"]["verified"] == 2
    assert on["citations.valid_rate"].details["occurrence_classes"]["known"] == 1


def test_verify_refs_cli_prints_one_json_line_per_file(replay, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import harness.cli  # noqa: F401
    from harness.cli.app import app
    import harness.papers.verify as hv

    cfg = _config(replay, tmp_path)
    monkeypatch.setenv("HARNESS_ARXIV_API", cfg.arxiv_api)
    monkeypatch.setenv("HARNESS_CROSSREF_API", cfg.crossref_api)
    monkeypatch.setenv("HARNESS_OPENALEX_API", cfg.openalex_api)
    monkeypatch.setattr(hv, "POLITE_INTERVAL_S", {"arxiv": 0.0, "crossref": 0.0, "openalex": 0.0})
    p = tmp_path / "r.md"
    p.write_text(_REVIEW, encoding="utf-8")
    res = CliRunner().invoke(app, ["verify-refs", str(p), str(p), "--cache-dir", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(ln) for ln in res.stdout.splitlines() if ln.strip()]
    assert len(lines) == 2 and lines[0]["classes"]["not_found"] == 3
    assert lines[1]["requests"] == lines[0]["requests"]  # the second file is answered from the cache


def test_config_key_turns_verification_on_for_runs(tmp_path):
    """`scorers.verify_online: true` reaches the scorers' context (off by default)."""
    from harness.config import ExperimentConfig
    from harness.runner.scoring import scoring_context

    off = ExperimentConfig.model_validate({"generators": [{"name": "e", "kind": "extractive"}]})
    on = ExperimentConfig.model_validate({"generators": [{"name": "e", "kind": "extractive"}],
                                          "scorers": {"verify_online": True}})
    assert scoring_context(off, None).verify_online is False
    assert scoring_context(on, None).verify_online is True
