"""`harness tasks new --from-arxiv`: references from a (replayed) Semantic Scholar, abstracts from (replayed) arXiv."""

from __future__ import annotations


import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.core.errors import HarnessError
from harness.tasks.new.scholar import ScholarClient, survey_entries
from harness.tasks.suite import load_task_file
from tests.newtask.scholar_replay import Replay, replay_data

runner = CliRunner()
KEY = "s2-test-key-5f1c2a"


@pytest.fixture()
def replay_env(monkeypatch, tmp_path, shared_dir):
    data = replay_data()
    with Replay(data) as rp:
        monkeypatch.setenv("HARNESS_S2_API_BASE", f"{rp.base}/graph/v1")
        monkeypatch.setenv("HARNESS_ARXIV_API_BASE", f"{rp.base}/api/query")
        monkeypatch.setenv("HARNESS_SCHOLAR_MIN_INTERVAL_S", "0.2")
        monkeypatch.setenv("SEMANTIC_SCHOLAR_API_KEY", KEY)
        monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
        yield rp, data


def test_builds_a_task_from_an_arxiv_id(replay_env, tmp_path):
    rp, data = replay_env
    out = tmp_path / "rag-s2.json"
    res = runner.invoke(app, ["tasks", "new", "--from-arxiv", "2312.10997", "--topic", "RAG for LLMs",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    task = load_task_file(out)
    assert task.reference_survey.title == data["survey"]["title"] and task.reference_survey.arxiv_id == "2312.10997"
    assert len(task.reference_papers) == data["n"]  # the two untitled references are dropped
    assert "2 dropped" in res.output and "key reference 6: no title" in res.output
    abstracts = {task.paper(p).arxiv_id: task.paper(p).abstract for p in task.reference_papers}
    for aid, text in data["arxiv"].items():  # filled from the arXiv feed
        assert abstracts[aid] == " ".join(text.split())
    from_s2 = [r["citedPaper"] for r in data["references"] if (r["citedPaper"].get("abstract"))]
    assert all(abstracts[p["externalIds"]["ArXiv"]] == " ".join(p["abstract"].split()) for p in from_s2)
    # retried after the 429, waiting at least its Retry-After; every S2 request carried the key
    refs = [r for r in rp.log if r["path"].endswith("/references")]
    assert refs[1]["t"] - refs[0]["t"] >= 1.0 and refs[0]["query"] == refs[1]["query"]
    assert all(r["api_key"] == KEY for r in rp.log if r["path"].startswith("/graph"))
    assert [int(r["query"]["offset"]) for r in refs] == [0, 0, 20]
    times = [r["t"] for r in rp.log if r["path"].startswith("/graph")]
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.2  # rate limit
    # the key is in no file; a second build is served from the cache
    cache = tmp_path / "cache" / "scholar"
    assert all(KEY not in f.read_text(encoding="utf-8") for f in [out, *cache.iterdir()])
    n = len(rp.log)
    res = runner.invoke(app, ["tasks", "new", "--from-arxiv", "2312.10997", "--topic", "RAG for LLMs",
                              "--out", str(tmp_path / "again.json"), "--id", "rag-s2"])
    assert res.exit_code == 0 and len(rp.log) == n
    assert load_task_file(tmp_path / "again.json").content_hash == task.content_hash


def test_unknown_id_and_exhausted_retries(replay_env, tmp_path):
    rp, _ = replay_env
    client = ScholarClient.from_env()
    with pytest.raises(HarnessError, match="not found"):
        survey_entries("0000.00000", client)
    dead = ScholarClient(s2_base=f"{rp.base}/graph/v1", cache_dir=None, min_interval_s=0, retries=1, max_wait_s=0.1)
    rp.max_requests = len(rp.log)  # every further request answers 503
    with pytest.raises(HarnessError, match="gave up after 2 attempts"):
        dead.paper("2312.10997")
