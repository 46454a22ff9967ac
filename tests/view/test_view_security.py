"""Hostile model text stays inert, paths outside the loaded runs are refused, writes need the session's token,
and the server binds loopback unless told otherwise."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from harness.core.errors import HarnessError
from harness.report.review_view import build_view, render_markdown
from harness.view import create_app, load_view
from harness.view.server import bind, url_of

from .conftest import LONG_LINE

pytestmark = pytest.mark.timeout(900)


def _client(run) -> TestClient:
    return TestClient(create_app(load_view([run]), annotator="t", n_boot=200), base_url="http://127.0.0.1")


def _tags(html: str) -> list[str]:
    return re.findall(r"<\s*([a-zA-Z][\w-]*)", html)


def test_hostile_review_text_renders_as_text(view_run):
    c = _client(view_run)
    cell = next(x for x in load_view([view_run]).cells() if "|replayed|" in x)
    res = c.get("/review", params={"cell": cell})
    page = res.text
    review = page[page.index('<div class="review">'):page.index('<script type="application/json"')]
    assert "&lt;script&gt;document.title" in review and "<script>document" not in review
    assert "&lt;img src=x onerror=" in review and not re.search(r"<img", review)
    assert "javascript:" not in re.sub(r">[^<]*<", "><", review)  # never inside a tag, only as text
    assert not re.search(r"<a\b", review) and "example.invalid" not in re.sub(r">[^<]*<", "><", review)
    assert set(_tags(review)) <= {"div", "h1", "h2", "h3", "p", "ul", "ol", "li", "strong", "em", "span", "code",
                                  "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "s", "hr", "br"}
    assert LONG_LINE in review  # the 120,000-character line is there, as text
    assert "default-src 'none'" in res.headers["content-security-policy"]
    assert "script-src 'self'" in res.headers["content-security-policy"]
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ['<script src="/static/view.js" defer>', '<script type="application/json" id="ev-0">']


def test_evidence_json_cannot_close_its_script_tag():
    from harness.view.app import _json_script

    out = str(_json_script({"title": "</script><script>alert(1)</script> & <!--"}))
    assert "<" not in out and ">" not in out and "&" not in out
    view = build_view({"text": "x [1]", "references": [{"key": "1", "raw": "r", "title": "</script><b>t</b>"}]})
    assert 'title="[1] unresolved' in str(view.html) and "<b>" not in str(view.html)


def test_markdown_constructs_render_and_dangerous_ones_do_not():
    html = str(render_markdown("- **bold** item\n- *it* `code`\n\n[x](javascript:alert(1)) ![i](http://e.invalid/p.png)"
                               " <b onclick=alert(1)>b</b> <https://e.invalid> [r]\n\n[r]: javascript:alert(2)\n"))
    assert "<ul>" in html and "<strong>bold</strong>" in html and "<em>it</em>" in html and "<code>code</code>" in html
    assert "<a" not in html and "<img" not in html and "<b " not in html and "&lt;b onclick" in html
    assert "\ue000" not in render_markdown("a \ue000 0 \ue001 b")  # a text's own placeholder characters are neutralised


def test_placeholders_in_attributes_never_become_markup():
    from harness.report.review_view import Mark

    text = "```x [1]\ncode\n```\n\nSee [1]."
    marks = [Mark(4, 7, "[1]", ["1"], "numeric", verdicts=["on-topic"], tips=['a"b']),
             Mark(text.index("See") + 4, text.index("See") + 7, "[1]", ["1"], "numeric", verdicts=["on-topic"],
                  tips=["t"])]
    html = str(render_markdown(text, marks))
    assert 'class="language-x' in html and "<span" not in html.split("<code")[1].split(">")[0]
    assert html.count('class="cite v-on-topic"') == 1 and 'title="a&#34;b"' not in html


@pytest.mark.parametrize("path", ["/static/../../../etc/passwd", "/static/..%2F..%2Fetc%2Fpasswd",
                                  "/static/report.html.j2", "/static/%2e%2e/app.py", "/review?cell=../../etc/passwd",
                                  "/review?cell=%2Fetc%2Fpasswd", "/task?id=../../etc", "/api/review?cell=../manifest.json",
                                  "/..%2F..%2Fetc%2Fpasswd"])
def test_paths_outside_the_runs_are_refused(view_run, path):
    res = _client(view_run).get(path)
    assert res.status_code == 404 and "root:" not in res.text


def test_writes_name_only_loaded_cells_and_go_only_to_the_runs_annotations(run_copy, tmp_path):
    c = _client(run_copy)
    token = re.search(r'name="harness-token" content="([^"]+)"', c.get("/").text).group(1)
    for cell in ("../../x|y|0", str(tmp_path / "evil"), "rag-llm-survey|extractive|0/../../x"):
        res = c.post("/api/rating", json={"cell": cell, "ratings": {"coverage": 1}}, headers={"X-Harness-Token": token})
        assert res.status_code == 404
    assert not list(tmp_path.glob("**/annotations.jsonl"))


def test_other_hosts_and_cross_site_posts_are_refused(view_run):
    c = _client(view_run)
    assert TestClient(c.app, base_url="http://evil.example").get("/").status_code == 400  # DNS rebinding
    res = c.post("/api/rating", json={"cell": "x"}, headers={"Origin": "http://evil.example"})
    assert res.status_code == 403  # a page elsewhere cannot read the token, so cannot write


def test_binds_loopback_on_a_free_port_and_names_a_taken_port():
    sock = bind("127.0.0.1", 0)
    try:
        host, port = sock.getsockname()[:2]
        assert host == "127.0.0.1" and port > 0 and url_of(sock, "127.0.0.1") == f"http://127.0.0.1:{port}/"
        with pytest.raises(HarnessError, match="--port"):
            bind("127.0.0.1", port)
    finally:
        sock.close()


@pytest.mark.timeout(300)
def test_a_run_on_line_of_50000_markers_renders_every_one():
    text = "Claim " + " ".join("[1]" for _ in range(50_000)) + "\n"
    review = {"text": text, "references": [{"key": "1", "raw": "[1] A", "title": "A", "paper_id": "p"}],
              "citations": [{"sentence": text[:1500], "marker": "[1]", "keys": ["1"], "offset": 6 + 4 * i}
                            for i in range(50_000)]}
    view = build_view(review, None)
    html = str(view.html)
    assert len(view.marks) == 50_000 and html.count('class="cite v-resolved"') == 50_000
