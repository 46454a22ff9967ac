"""The viewer's pages and JSON API on a real offline run: the report's leaderboard, filters, pagination, every
citation's evidence, labels appended as HumanLabel records, ratings, failures and the CSV export."""

from __future__ import annotations

import csv
import hashlib
import json
import re

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from harness.scorers.judge_methods import DEFAULT_RELEVANCE
from harness.cli.app import app as cli_app
from harness.judges.schema import HumanLabel
from harness.models import CitationVerdict, SupportVerdict
from harness.report.assemble import assemble
from harness.report.join import join_runs
from harness.report.review_view import parse_details
from harness.view import create_app, load_view
from harness.view.data import ANNOTATIONS

pytestmark = pytest.mark.timeout(900)


def client(run) -> tuple[TestClient, str]:
    """A client of the app over one run, and the session token its pages carry."""
    c = TestClient(create_app(load_view([run]), annotator="tester", n_boot=200), base_url="http://127.0.0.1")
    page = c.get("/")
    assert page.status_code == 200
    return c, re.search(r'name="harness-token" content="([^"]+)"', page.text).group(1)


def replay_cell(run) -> str:
    return next(c for c in load_view([run]).cells() if "|replayed|" in c)


def test_the_leaderboard_is_the_reports_own(view_run):
    c, _ = client(view_run)
    got = c.get("/api/leaderboard").json()
    parts = assemble(join_runs([view_run]), n_boot=200)
    assert got["columns"] == parts.leaderboard.columns
    assert got["rows"] == [[str(x) for x in row] for row in parts.leaderboard.rows]
    page = c.get("/").text
    assert 'id="leaderboard-table"' in page and 'id="main-table"' in page
    assert f"judge: {DEFAULT_RELEVANCE}" in page and "judge: similarity" in page  # the judged metrics' judges


def test_filters_restrict_the_leaderboard_and_cells(view_run):
    c, _ = client(view_run)
    one = c.get("/api/leaderboard", params={"task": "rag-llm-survey", "metric": "coverage.recall"}).json()
    assert one["cells"] == 2 and one["metrics"] == ["coverage.recall"]
    gen = c.get("/api/leaderboard", params={"generator": "extractive"}).json()
    assert [row[1] for row in gen["rows"]] == ["extractive"]
    page = c.get("/", params={"task": "rag-llm-survey"}).text
    assert "Cells (2)" in page and "stfm-since-2024|" not in page
    unknown = c.get("/api/leaderboard", params={"task": "not-a-task"}).json()
    assert unknown["cells"] == 4  # an unknown name filters nothing out rather than erroring


def test_cells_are_paginated_and_sorted_server_side(view_run, monkeypatch):
    from harness.view import app as app_mod

    monkeypatch.setattr(app_mod, "PAGE_SIZE", 3)
    c, _ = client(view_run)
    first = c.get("/", params={"sort": "generator", "desc": "1"}).text
    assert "Page 1 of 2" in first and 'rel="next"' in first
    rows = re.findall(r'<tr><td><a href="/task\?id=[^"]+">[^<]+</a></td><td>([^<]+)</td>', first)
    assert rows == ["replayed", "replayed", "extractive"]
    second = c.get("/", params={"sort": "generator", "desc": "1", "page": "2"}).text
    assert "Page 2 of 2" in second and 'rel="prev"' in second


def test_every_citation_carries_each_judges_stored_verdict(view_run):
    c, _ = client(view_run)
    data = load_view([view_run])
    cell = replay_cell(view_run)
    got = c.get("/api/review", params={"cell": cell}).json()
    ev = got["evidence"]
    assert {x["style"] for x in ev["citations"]} >= {"numeric", "author-year", "superscript"}
    rows = {r["score"]: parse_details(r["details"]) for r in data.cell_rows(cell)}
    stored_rel = {v.item: v for v in CitationVerdict.read_list(rows["citations.on_topic_rate"]["verdicts"])}
    stored_sup = SupportVerdict.read_list(rows["citations.support_rate"]["verdicts"])
    task = data.task(cell)
    for cit in ev["citations"]:
        for key in cit["keys"]:
            ref = ev["refs"][key]
            paper = task.paper(ref["paper_id"])
            assert ref["abstract"] == paper.abstract and ref["ref_class"] == "in_task"
            rel = next(j for j in ref["judges"] if j["judge"] == "relevance")
            assert rel["verdict"] == stored_rel[paper.id].verdict and rel["method"] == DEFAULT_RELEVANCE
            assert rel["threshold"] == rows["citations.on_topic_rate"]["threshold_used"]
            sup = cit["support"][key][0]
            match = [v for v in stored_sup if v.item == paper.id and sup["sentence"].startswith(v.sentence)]
            assert len(match) == 1 and sup["value"] == match[0].similarity
            assert sup["shown"] == ("yes" if match[0].supports else "no") and sup["method"] == "similarity"
            assert sup["threshold"] == rows["citations.support_rate"]["threshold_used"]


def test_a_label_is_appended_as_a_human_label_and_scores_are_untouched(run_copy):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in run_copy.iterdir() if p.is_file()}
    c, token = client(run_copy)
    cell = replay_cell(run_copy)
    ev = c.get("/api/review", params={"cell": cell}).json()["evidence"]
    cit = ev["citations"][0]
    key = cit["keys"][0]
    body = {"cell": cell, "citation": 0, "key": key, "score": "citations.support_rate", "agreement": "disagree"}
    res = c.post("/api/label", json=body, headers={"X-Harness-Token": token})
    assert res.status_code == 200, res.text
    res = c.post("/api/label", json={**body, "score": "citations.on_topic_rate", "agreement": "agree"},
                 headers={"X-Harness-Token": token})
    assert res.status_code == 200, res.text
    lines = (run_copy / ANNOTATIONS).read_text().splitlines()
    support, relevance = (HumanLabel.model_validate_json(line) for line in lines)
    shown = cit["support"][key][0]["shown"]
    assert support.judge == "support" and support.agreement == "disagree" and support.verdict_shown == shown
    assert support.label == ("no" if shown == "yes" else "yes")  # disagreeing flips the shown verdict
    assert support.sentence == cit["support"][key][0]["sentence"] and support.abstract == ev["refs"][key]["abstract"]
    assert (support.annotator, support.cell, support.citation, support.method) == ("tester", cell, key, "similarity")
    assert relevance.judge == "relevance" and relevance.task_id == cell.split("|")[0] and relevance.topic
    assert relevance.title == ev["refs"][key]["title"] and relevance.label == relevance.verdict_shown
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in run_copy.iterdir() if p.is_file()}
    assert {k: v for k, v in after.items() if k != ANNOTATIONS} == before


def test_label_requests_are_checked(run_copy):
    c, token = client(run_copy)
    cell = replay_cell(run_copy)
    ok = {"cell": cell, "citation": 0, "key": "1", "score": "citations.on_topic_rate", "agreement": "agree"}
    assert c.post("/api/label", json=ok).status_code == 403  # no token
    assert c.post("/api/label", json=ok, headers={"X-Harness-Token": token + "x"}).status_code == 403
    assert c.post("/api/label", content=json.dumps(ok), headers={"X-Harness-Token": token,
                                                                 "Content-Type": "text/plain"}).status_code == 415
    for bad, status in (({**ok, "agreement": "maybe"}, 400), ({**ok, "citation": "0"}, 400),
                        ({**ok, "citation": 999}, 404), ({**ok, "score": "coverage.recall"}, 404),
                        ({**ok, "cell": "nope|x|0"}, 404)):
        assert c.post("/api/label", json=bad, headers={"X-Harness-Token": token}).status_code == status, bad
    assert not (run_copy / ANNOTATIONS).exists()


def test_ratings_are_separate_records_and_export_to_csv(run_copy, tmp_path):
    c, token = client(run_copy)
    cell = replay_cell(run_copy)
    res = c.post("/api/rating", json={"cell": cell, "ratings": {"coverage": 2, "clarity": 5}, "comment": "=1+1"},
                 headers={"X-Harness-Token": token})
    assert res.status_code == 200, res.text
    for bad in ({"coverage": 6}, {"nonsense": 3}, {}):
        assert c.post("/api/rating", json={"cell": cell, "ratings": bad},
                      headers={"X-Harness-Token": token}).status_code == 400
    c.post("/api/label", json={"cell": cell, "citation": 0, "key": "1", "score": "citations.on_topic_rate",
                               "agreement": "unsure"}, headers={"X-Harness-Token": token})
    records = [json.loads(line) for line in (run_copy / ANNOTATIONS).read_text().splitlines()]
    assert [r.get("type") for r in records] == ["rating", None]
    assert records[0]["ratings"] == {"coverage": 2, "clarity": 5} and records[1]["label"] == "unclear"
    out = tmp_path / "labels.csv"
    res = CliRunner().invoke(cli_app, ["view", str(run_copy), "--export-labels", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 2 and rows[0]["rating.coverage"] == "2" and rows[0]["comment"] == "'=1+1"
    assert rows[1]["agreement"] == "unsure" and rows[1]["cell"] == cell


def test_task_page_shows_two_reviews_side_by_side(view_run):
    c, _ = client(view_run)
    cells = load_view([view_run]).cells()
    task = cells[0].split("|")[0]
    mine = [x for x in cells if x.startswith(task + "|")]
    page = c.get("/task", params={"id": task, "a": mine[1], "b": mine[0]}).text
    panes = re.findall(r'<section class="pane" data-cell="([^"]+)"', page)
    assert panes == [mine[1], mine[0]]
    assert page.count('<div class="review">') == 2 and 'id="task-table"' in page


def test_failures_page_lists_each_failed_cells_error(view_run, tmp_path):
    import shutil

    run = tmp_path / "failed-run"
    shutil.copytree(view_run, run, ignore=shutil.ignore_patterns(".lock"))
    gens = (run / "generations.jsonl").read_text().splitlines()
    rec = json.loads(gens[0])
    rec.update(review=None, error="rate_limit from openai/x: <b>slow down</b>")
    (run / "generations.jsonl").write_text("\n".join(gens + [json.dumps(rec)]) + "\n")
    (run / "errors.jsonl").write_text(json.dumps({"cell": rec["cell"], "error": rec["error"]}) + "\n")
    c, _ = client(run)
    page = c.get("/failures").text
    assert rec["cell"] in page and "rate_limit from openai/x: &lt;b&gt;slow down&lt;/b&gt;" in page
    assert "Failures (1)" in page


def test_joined_runs_write_each_label_to_the_run_that_holds_the_cell(run_copy, tmp_path):
    import shutil

    other = tmp_path / "other-run"
    shutil.copytree(run_copy, other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["run_id"] = "other-run"
    (other / "manifest.json").write_text(json.dumps(manifest))
    data = load_view([run_copy, other], [f"ext-b={other}/extractive", f"rep-b={other}/replayed"])
    assert {data.run_of[c].run_id for c in data.cells() if "|rep-b|" in c} == {"other-run"}
    c = TestClient(create_app(data, annotator="tester", n_boot=200), base_url="http://127.0.0.1")
    token = re.search(r'name="harness-token" content="([^"]+)"', c.get("/").text).group(1)
    res = c.post("/api/label", json={"cell": "rag-llm-survey|rep-b|0", "citation": 0, "key": "1",
                                     "score": "citations.on_topic_rate", "agreement": "agree"},
                 headers={"X-Harness-Token": token})
    assert res.status_code == 200, res.text
    assert not (run_copy / ANNOTATIONS).exists()
    written = HumanLabel.model_validate_json((other / ANNOTATIONS).read_text())
    assert written.run == "other-run" and written.cell == "rag-llm-survey|rep-b|0"


def test_a_failed_cells_review_page_shows_its_error(view_run, tmp_path):
    import shutil

    run = tmp_path / "failed"
    shutil.copytree(view_run, run, ignore=shutil.ignore_patterns(".lock"))
    gens = (run / "generations.jsonl").read_text().splitlines()
    rec = json.loads(gens[0])
    rec.update(review=None, error="server died (SIGILL)")
    (run / "generations.jsonl").write_text("\n".join(gens + [json.dumps(rec)]) + "\n")
    c, _ = client(run)
    page = c.get("/review", params={"cell": rec["cell"]})
    assert page.status_code == 200 and "server died (SIGILL)" in page.text


def test_two_labels_of_one_verdict_have_their_own_ids_and_share_the_input_id(run_copy):
    c, token = client(run_copy)
    body = {"cell": replay_cell(run_copy), "citation": 0, "key": "1", "score": "citations.on_topic_rate"}
    for agreement in ("agree", "disagree"):
        assert c.post("/api/label", json={**body, "agreement": agreement},
                      headers={"X-Harness-Token": token}).status_code == 200
    first, second = (json.loads(line) for line in (run_copy / ANNOTATIONS).read_text().splitlines())
    assert first["id"] != second["id"] and first["input_id"] == second["input_id"]
    assert (first["label"], second["label"]) == (first["verdict_shown"], "no" if first["verdict_shown"] == "yes"
                                                 else "yes")


def test_the_first_page_differs_from_the_report_only_by_the_pending_marks(view_run):
    from harness.view.rankings import Filters, rankings

    data = load_view([view_run])
    quick = rankings(data.scores, data.manifest, Filters(), n_boot=200, tests=False)
    full = rankings(data.scores, data.manifest, Filters(), n_boot=200)
    assert quick.pending and not full.pending

    def plain(table):
        return [[getattr(c, "value", str(c)) for c in row] for row in table.rows]

    assert plain(quick.leaderboard) == plain(full.leaderboard) and plain(quick.main) == plain(full.main)
    assert [[getattr(c, "best", False) for c in row] for row in quick.main.rows] == [
        [getattr(c, "best", False) for c in row] for row in full.main.rows]
    c = TestClient(create_app(data, annotator="t", n_boot=200), base_url="http://127.0.0.1")
    assert 'id="pending"' in c.get("/").text  # said on the page until the tests are done
    c.get("/api/leaderboard")  # waits for the full table
    assert 'id="pending"' not in c.get("/").text


def test_runs_with_older_verdict_records_still_show_every_page(make_run):
    run = make_run(tasks=["stfm-since-2024", "rag-llm-survey"], seeds=(0,))  # verdicts name review keys
    c, _ = client(run)
    cell = "stfm-since-2024|gpt-pw|0"
    ev = c.get("/api/review", params={"cell": cell}).json()["evidence"]
    verdicts = {k: r["verdict"] for k, r in ev["refs"].items()}
    assert verdicts == {"1": "on-topic", "2": "on-topic", "3": "unresolved", "4": "off-topic", "9": "dangling"}
    assert ev["refs"]["4"]["judges"][0]["shown"] == "no"
    for path, params in (("/", {}), ("/task", {"id": "stfm-since-2024"}), ("/review", {"cell": cell}),
                         ("/failures", {})):
        assert c.get(path, params=params).status_code == 200


def test_the_command_warns_for_a_non_loopback_host_and_names_a_missing_run(view_run, monkeypatch, tmp_path):
    import harness.view

    calls = []
    monkeypatch.setattr(harness.view, "serve", lambda data, **kw: calls.append(kw))
    res = CliRunner().invoke(cli_app, ["view", str(view_run), "--host", "0.0.0.0", "--port", "8765",
                                       "--annotator", "ann"])
    assert res.exit_code == 0, res.output
    assert "warning: listening on 0.0.0.0" in res.output
    assert calls[0]["host"] == "0.0.0.0" and calls[0]["port"] == 8765 and calls[0]["annotator"] == "ann"
    res = CliRunner().invoke(cli_app, ["view", str(view_run)])
    assert res.exit_code == 0 and "warning" not in res.output and calls[1]["host"] == "127.0.0.1"
    res = CliRunner().invoke(cli_app, ["view", str(tmp_path / "missing")])
    assert res.exit_code != 0 and "run directory not found" in str(res.exception)
