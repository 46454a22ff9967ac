"""The static report's review view: markdown rendered, every marker style the readers know coloured, and the
pairwise section as one compact table per metric with its caption once."""

from __future__ import annotations

import re

from harness.report import build_report
from harness.report.review_view import build_view
from harness.report.significance import PAIRWISE_NOTE

REVIEW = {
    "text": ("## Findings\n\n- **Bold** claim [1].\n- Narrative: Smith et al. (2023) show it.\n"
             "- Superscript claim<sup>2</sup>.\n\nLaTeX style \\cite{lee2022} and (Wu, 2021).\n\n"
             "## References\n\n[1] Alpha paper\n[2] Beta paper\n"),
    "references": [
        {"key": "1", "raw": "[1] Alpha paper", "title": "Alpha paper", "paper_id": "p1"},
        {"key": "2", "raw": "[2] Beta paper", "title": "Beta paper", "paper_id": "p2"},
        {"key": "smith2023", "raw": "Smith, J., Doe, A. (2023). Gamma paper.", "title": "Gamma paper",
         "authors": ["Smith, J.", "Doe, A."], "year": 2023, "paper_id": "p3"},
        {"key": "lee2022", "raw": "Lee (2022) Delta", "title": "Delta", "paper_id": None},
    ],
}


def test_markdown_is_rendered_and_every_marker_style_is_coloured():
    view = build_view(REVIEW, [{"item": "p1", "keys": ["1"], "verdict": "on-topic"},
                               {"item": "p3", "keys": ["smith2023"], "verdict": "off-topic"}])
    html = str(view.html)
    assert "<ul>" in html and "<li><strong>Bold</strong> claim" in html and "<h2>Findings</h2>" in html
    styles = {m.style: (m.text, m.verdict) for m in view.marks}
    assert styles["numeric"] == ("[1]", "on-topic")
    assert styles["author-year"][1] == "off-topic" and "Smith et al. (2023)" in styles["author-year"][0]
    assert styles["superscript"] == ("<sup>2</sup>", "resolved")
    assert styles["latex"] == ("\\cite{lee2022}", "unresolved")
    spans = re.findall(r'<span class="cite v-([a-z-]+)"[^>]*>([^<]*(?:&lt;[^<]*)*)</span>', html)
    assert ("on-topic", "[1]") in spans and ("resolved", "&lt;sup&gt;2&lt;/sup&gt;") in spans
    assert any(v == "off-topic" and "Smith et al." in t for v, t in spans)
    assert "(Wu, 2021)" in html and "Wu, 2021" not in "".join(t for _, t in spans)  # no entry: not a citation


def test_pairwise_section_lists_each_pair_once_with_the_caption_once(make_run):
    html = build_report(make_run(), formats="html", n_boot=200)["html"].read_text()
    section = html[html.index('<section id="pairwise">'):html.index('<section id="cost">')]
    assert section.count(PAIRWISE_NOTE.split(";")[0]) == 1
    tables = re.findall(r"<table id=\"table-pairs_[^\"]+\">.*?</table>", section, re.S)
    assert tables and all(t.count("<tr>") == 2 for t in tables)  # header + the one pair of two generators
    assert all("gpt-pw − extractive" in t or "extractive − gpt-pw" in t for t in tables)
