"""The HTML report in headless Chromium: it loads, shows the tables, logs no console message, runs nothing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.report import build_report

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser")
                             or "") if p and Path(p).exists()), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI: apt-get install -y chromium)")

HOSTILE = ("<script>document.title='pwned';console.error('xss')</script> <img src=x onerror=\"console.error('xss')\"> "
           "[click](javascript:console.error('xss')) ![p](http://example.invalid/pixel.png) " + "W" * 4000)


def _chromium(tmp_path: Path, page: Path, *args: str) -> tuple[str, list[str]]:
    """Run headless Chromium on a local file; returns stdout and the console messages it logged."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
           "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp_path / 'chromium-profile'}",
           "--enable-logging=stderr", "--v=0", *args, page.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return proc.stdout, console


def test_console_capture_catches_errors(tmp_path):
    # the control: a page that does run a script and fails must be seen as failing
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><p>x</p><script>throw new Error('boom')</script></body></html>")
    _dom, console = _chromium(tmp_path, page, "--dump-dom")
    assert any("Uncaught Error: boom" in line for line in console)


def test_report_loads_in_chromium_without_console_errors(make_run, tmp_path):
    run = make_run(extra_text=HOSTILE)
    page = build_report(run, formats="html", n_boot=300)["html"]
    dom, console = _chromium(tmp_path, page, "--dump-dom")
    assert console == []  # no errors, no blocked loads (CSP violations are logged here), no script ran
    assert '<table id="main-table">' in dom
    assert re.search(r"<th scope=\"row\">extractive</th>", dom) and "gpt-pw" in dom
    assert "coverage.recall" in dom and "Cost vs quality" in dom
    assert "<title>Report: run-a</title>" in dom  # the hostile script did not retitle the page
    assert "&lt;script&gt;document.title" in dom and "<script" not in dom


def test_report_screenshot_renders(make_run, tmp_path):
    run = make_run(extra_text=HOSTILE, tasks=["stfm-since-2024", "rag-llm-survey"], seeds=(0,))
    page = build_report(run, formats="html", n_boot=300)["html"]
    shot = run / "report" / "screenshot.png"
    _out, console = _chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1280,1800",
                              "--hide-scrollbars")
    assert console == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a rendered page, not a blank one
