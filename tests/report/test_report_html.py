"""The HTML report is self-contained and shows hostile generated text inert."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from harness.report import build_report
from harness.report.review_view import build_view

HOSTILE = (
    "<script>alert(1)</script> and <img src=x onerror=alert(2)> and [x](javascript:alert(1)) and "
    "[y](https://evil.example/track.png) ![z](http://evil.example/pixel.gif) "
    "<a href=\"javascript:alert(3)\">click</a> <style>body{display:none}</style> "
    + "A" * 5000
)


class _Tags(HTMLParser):
    """Collect every tag with its attributes, to check what the browser would actually build."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.data.append(data)


def _parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


def test_hostile_review_text_is_escaped_and_inert(make_run):
    run = make_run(extra_text=HOSTILE, tasks=["rag-llm-survey"], seeds=(0,))
    html = build_report(run, formats="html", n_boot=200)["html"].read_text()
    tags = _parse(html)
    bad = [(t, a) for t, a in tags.tags if t in ("script", "iframe", "object", "embed", "link", "base", "form")
           or (t == "a" and not (a.get("href") or "").startswith("#"))]
    assert bad == []  # only the report's own in-page links survive
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[x](javascript:alert(1))" in "".join(tags.data)  # shown as text
    for tag, attrs in tags.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)  # no event handlers from model text
            if name in ("href", "src", "action", "formaction", "srcset", "poster", "data"):
                v = (value or "").strip().lower()
                assert not v.startswith(("javascript:", "http:", "https:", "//")), (tag, name, value)
                assert tag != "img" or v.startswith("data:image/png;base64,")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert [t for t, _ in tags.tags].count("style") == 1  # only the report's own stylesheet
    assert "overflow-wrap: anywhere" in html


def test_html_is_self_contained_with_embedded_plots(make_run):
    html = build_report(make_run(), formats=["html"], n_boot=200)["html"].read_text()
    tags = _parse(html)
    imgs = [a for t, a in tags.tags if t == "img"]
    assert len(imgs) == 2 and all(a["src"].startswith("data:image/png;base64,") for a in imgs)
    assert not [t for t, _ in tags.tags if t in ("script", "link", "iframe")]
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert 'id="main-table"' in html and "coverage.recall" in html


def test_citations_are_coloured_by_verdict_with_the_paper_on_hover(make_run):
    html = build_report(make_run(tasks=["stfm-since-2024"], seeds=(0,)), formats="html",
                        n_boot=200)["html"].read_text()
    spans = [a for t, a in _parse(html).tags if t == "span" and "cite" in (a.get("class") or "")]
    classes = {a["class"] for a in spans}
    assert {"cite v-on-topic", "cite v-off-topic", "cite v-unresolved", "cite v-dangling"} <= classes
    on_topic = [a["title"] for a in spans
                if a["class"] == "cite v-on-topic" and (a.get("title") or "").startswith("[1]")]
    assert on_topic and "Large Models for Time Series and Spatio-Temporal Data" in on_topic[0]
    off = [a.get("title") or "" for a in spans if a["class"] == "cite v-off-topic"]
    assert any("Dark Matter Halos" in t for t in off)


def test_view_falls_back_to_resolution_without_verdicts():
    review = {"text": "Claim [1] and [2, 3] and @cite_4.\n\n## End",
              "references": [{"key": "1", "paper_id": "2310.10196", "title": "Known"},
                             {"key": "2", "paper_id": None, "title": "Unknown"},
                             {"key": "cite_4", "paper_id": "x", "title": "Cited by tag"}]}
    view = build_view(review, None)
    assert view.verdict_source == "resolution"
    cites = [(k, v) for m in view.marks for k, v in zip(m.keys, m.verdicts)]
    assert cites == [("1", "resolved"), ("2", "unresolved"), ("3", "dangling"), ("cite_4", "resolved")]
    assert [m.text for m in view.marks] == ["[1]", "[2, 3]", "@cite_4"]
    assert [m.verdict for m in view.marks] == ["resolved", "dangling", "resolved"]  # the worst key colours it
    assert "<h2>End</h2>" in view.html and "<p>Claim " in view.html


def test_unknown_verdict_strings_cannot_inject_classes():
    view = build_view({"text": "x [1]"}, [{"key": "1", "verdict": 'on-topic" onmouseover="alert(1)'}])
    assert [m.verdict for m in view.marks] == ["unknown"]
    assert 'class="cite v-unknown"' in view.html and "onmouseover" not in view.html


def test_view_maps_the_scorers_item_verdicts_to_keys():
    # the citations scorer names cited items: a task paper id, "own:<id>" (the review's own paper list,
    # e.g. cite_N) or "entry:<key>" (an unresolved reference entry), and may leave some unjudged
    review = {
        "text": "A [1]. B [2]. C [3]. D @cite_1. E [5].",
        "references": [{"key": "1", "paper_id": "2310.10196", "title": "Large Models for Time Series"},
                       {"key": "2", "paper_id": None, "title": "Invented Paper"},
                       {"key": "3", "paper_id": None, "title": "Own Paper Title", "arxiv_id": "2511.10648"},
                       {"key": "5", "paper_id": "2506.01364", "title": "Untitled"}],
        "papers": [{"id": "2511.10648", "title": "Own Paper Title", "arxiv_id": "2511.10648"}],
    }
    verdicts = [
        {"item": "2310.10196", "title": "Large Models for Time Series", "verdict": "on-topic",
         "basis": "in the reference bibliography"},
        {"item": "entry:2", "title": "Invented Paper", "verdict": "on-topic", "similarity": 0.41,
         "basis": "title similarity (unresolved entry's parsed title)"},
        {"item": "own:2511.10648", "title": "Own Paper Title", "verdict": "off-topic", "similarity": 0.06},
        {"item": "2506.01364", "title": None, "verdict": "unjudged", "basis": "no title"},
    ]
    view = build_view(review, verdicts)
    got = {m.keys[0]: (m.verdict, m.tip) for m in view.marks}
    assert view.verdict_source == "scorer"
    assert got["1"][0] == "on-topic" and "in the reference bibliography" in got["1"][1]
    assert got["2"][0] == "unresolved" and "relevance of its parsed title: on topic" in got["2"][1]
    assert got["3"][0] == "off-topic" and "own paper list" in got["3"][1]
    assert got["cite_1"][0] == "off-topic"  # cite_1 is the first paper of the review's own list
    assert got["5"][0] == "unverifiable"


def test_review_pages_show_the_reference_classes_the_scorer_recorded(make_run):
    import json

    import polars as pl

    run = make_run(tasks=["stfm-since-2024"], seeds=(0,))
    scores = pl.read_parquet(run / "scores.parquet")
    cell = scores["cell"][0]
    extra = [("citations.unresolved", 2.0, {"keys": ["3", "4"], "classes": {"in_task": 2, "known": 1,
                                                                            "unidentified": 1}}),
             ("citations.unidentified", 1.0, {"keys": ["3"]})]
    rows = [{"cell": cell, "task_id": scores["task_id"][0], "generator": scores["generator"][0], "seed": 0,
             "score": name, "value": v, "status": "ok", "explanation": "", "details": json.dumps(d)}
            for name, v, d in extra]
    pl.concat([scores, pl.DataFrame(rows, schema=scores.schema)]).write_parquet(run / "scores.parquet")
    html = build_report(run, formats="html", n_boot=200)["html"].read_text()
    tags = _parse(html)
    badges = [a["class"] for t, a in tags.tags if t == "span" and (a.get("class") or "").startswith("rc ")]
    assert badges == ["rc rc-in_task", "rc rc-known", "rc rc-unidentified"]  # harness.papers.refclass order
    tips = {a.get("title", "") for t, a in tags.tags if t == "span" and "cite" in (a.get("class") or "")}
    assert any(t.startswith("[3]") and t.endswith("reference class: unidentified") for t in tips)
    assert any(t.startswith("[1]") and t.endswith("reference class: in_task") for t in tips)
    assert any("reference class: not a task paper" in t for t in tips if t.startswith("[4]"))
