"""Hostile model text (HTML/JS, `javascript:` links, very long lines) reaches the HTML report only as inert,
escaped text: no script, event handler or javascript: URL from the model ends up live in the page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fakes.provider import FaultServer

LONG = "x" * 120_000  # one 120 000-character line with no break opportunity
HOSTILE = f"""# Survey <script>alert('PWN-title')</script>

## Introduction <img src=x onerror="alert('PWN-img')">

Graph models learn node features [1]. See [this](javascript:alert('PWN-md')) and [that]( JaVaScRiPt:alert('PWN-md2') ).
Raw HTML too: <a href="javascript:alert('PWN-a')">click</a> <iframe src="javascript:alert('PWN-iframe')"></iframe>
<svg onload="alert('PWN-svg')"></svg> <style>body {{ display: none }} /* PWN-style */</style>
</textarea></pre></div></td></table><script>alert('PWN-break')</script> message passing works well [2].
<form action="javascript:alert('PWN-form')"><button formaction="javascript:alert('PWN-btn')">go</button></form>
![img](javascript:alert('PWN-imgmd')) [x](data:text/html;base64,PHNjcmlwdD5hbGVydCgnUFdOLWRhdGEnKTwvc2NyaXB0Pg==)

{LONG}

## References

[1] <script>alert('PWN-ref')</script> graph neural networks method number 0 with a distinct title 0
[2] graph neural networks method number 1 with a distinct title 1 <img src=x onerror=alert('PWN-ref2')>
"""

_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcdoc"}


class _Audit(HTMLParser):
    """Collects live scripts, event handlers, dangerous URLs and the page's visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str, str]] = []
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "script":
            self._in_script = True
            self.scripts.append("")
        for name, value in attrs:
            v = value or ""
            if name.startswith("on"):
                self.handlers.append((tag, name, v))
            if name in _URL_ATTRS:
                squeezed = re.sub(r"[\s\x00-\x1f]+", "", v).lower()
                if squeezed.startswith(("javascript:", "vbscript:", "data:text/html")) or name == "srcdoc":
                    self.urls.append((tag, name, v))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


@pytest.mark.timeout(120)
def test_hostile_model_text_is_inert_in_html_report(fault_server: FaultServer, tmp_path: Path,
                                                    tasks_dir: Path, warm_litellm: None) -> None:
    from harness.config import ExperimentConfig
    from harness.report import build_report
    from harness.runner import run_experiment
    from harness.runner.store import read_generations

    fault_server.script([], model="hostile", text=HOSTILE)
    cfg = ExperimentConfig.from_dict({
        "name": "hostile", "tasks": ["rel-alpha"], "tasks_dir": str(tasks_dir),
        "generators": [{"name": "hostile-model", "kind": "llm", "model": "openai/hostile", "strategy": "zero_shot",
                        "api_base": fault_server.api_base},
                       {"name": "offline", "kind": "extractive"}],
        "seeds": [0], "scorers": {"families": ["coverage", "length", "structure"]},
        "output_dir": str(tmp_path / "results"), "cache_dir": str(tmp_path / "cache"),
    })
    summary = run_experiment(cfg, progress=False)
    gens = {c.key: g for c, g in read_generations(summary.run_dir).items()}
    review = gens["rel-alpha|hostile-model|0"].review
    assert review is not None and "PWN-title" in review.text, "the hostile text did not reach the run"
    html = build_report(summary.run_dir, formats="html")["html"].read_text(encoding="utf-8")

    audit = _Audit()
    audit.feed(html)
    audit.close()
    live = [s for s in audit.scripts if "PWN" in s or "alert(" in s]
    assert not live, f"model text runs as script: {live[:3]}"
    bad_handlers = [h for h in audit.handlers if "PWN" in h[2] or "alert(" in h[2]]
    assert not bad_handlers, f"model text became event handlers: {bad_handlers[:5]}"
    assert not audit.urls, f"javascript:/data: URLs are live: {audit.urls[:5]}"
    live_tags = {"iframe", "form", "object", "embed", "textarea", "button"} & set(audit.tags)
    assert not live_tags, f"elements from model text are live: {live_tags}"
    visible = "".join(audit.text)
    # escaped, not dropped: the hostile markup is shown to the reader as text
    assert "<script>alert('PWN-title')</script>" in visible or "alert('PWN-title')" in visible, \
        "the model's text is missing from the report (expected it shown escaped)"
    assert "PWN-break" in visible
    assert "<script>alert(" not in html, "an unescaped <script> from model text is in the page source"
    # the long line is there (possibly wrapped or cut), and did not break the page structure
    assert "x" * 1000 in html or "truncated" in visible.lower()
    assert html.rstrip().lower().endswith("</html>")
