"""`harness view` in a real browser (Playwright driving Debian's Chromium): open a run, filter the leaderboard,
open two reviews side by side, click a citation and see its abstract, label a verdict, find it in
annotations.jsonl and validate it, rate the review; hostile text stays inert and nothing leaves 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from harness.scorers.judge_methods import DEFAULT_RELEVANCE
from harness.judges.schema import HumanLabel
from harness.view.data import ANNOTATIONS

from .conftest import CHROMIUM

pytestmark = [pytest.mark.timeout(900),
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI: apt-get install -y chromium)")]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(run_copy):
    """`harness view RUN` as a user starts it; yields (url, process); stopped with Ctrl-C (SIGINT)."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "view", str(run_copy), "--annotator",
                             "browser-test", "--n-boot", "200"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout=240)
    if not line or "http://127.0.0.1:" not in line[0]:
        proc.kill()
        pytest.fail(f"no URL printed: {line} {proc.stderr.read()[-2000:] if proc.poll() is not None else ''}")
    url = line[0].split()[2]
    yield url, proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def _validate(path: Path) -> list[HumanLabel]:
    """The labels as `harness judges validate` reads them: its CLI when it exists, and the record schema."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cli = [sys.executable, "-m", "harness.cli", "judges", "validate"]
    if subprocess.run([*cli, "--help"], capture_output=True, timeout=300, env=env).returncode == 0:
        out = subprocess.run([*cli, "--judge", "support", "--method", "similarity", "--labels", str(path), "--json"],
                             capture_output=True, text=True, timeout=600, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [HumanLabel.model_validate(r) for r in records if r.get("type") != "rating"]


def test_the_browser_flow(server, run_copy, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    url, proc = server
    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("dialog", lambda d: (problems.append("dialog " + d.message), d.dismiss()))
        page.on("request", lambda r: requests.append(r.url))

        page.goto(url)  # open a run
        assert page.locator("#leaderboard-table tbody tr").count() == 2
        page.select_option("select[name=task]", ["rag-llm-survey"])  # filter the leaderboard
        page.click("#apply")
        page.wait_for_url("**task=rag-llm-survey**")
        assert page.inner_text("#scope").startswith("2 cells of 1 task(s)")
        assert set(page.locator("#cells-table tbody td:first-child").all_inner_texts()) == {"rag-llm-survey"}
        page.click("#main-table thead th:nth-child(3)")  # sortable
        assert page.get_attribute("#main-table thead th:nth-child(3)", "data-dir") == "asc"

        page.click("#cells-table tbody a[href^='/task']")  # two reviews side by side
        page.select_option("select[name=a]", "rag-llm-survey|extractive|0")
        page.select_option("select[name=b]", "rag-llm-survey|replayed|0")
        page.click("#compare-go")
        page.wait_for_url("**b=rag-llm-survey%7Creplayed%7C0**")
        panes = page.locator(".pane")
        assert panes.count() == 2 and panes.nth(1).get_attribute("data-cell") == "rag-llm-survey|replayed|0"
        left, right = (panes.nth(i).bounding_box() for i in range(2))
        assert right["x"] >= left["x"] + left["width"] - 1 and abs(right["y"] - left["y"]) < 2

        from harness.tasks.suite import get_task

        task = get_task("rag-llm-survey")
        second = task.paper(task.reference_papers[1])
        cite = panes.nth(1).locator(".cite[data-c]", has_text="Zhang2 et al., 2022")
        assert "v-on-topic" in cite.get_attribute("class")
        cite.click()  # click a citation, see its abstract
        panel = page.locator("#panel")
        panel.locator(".abstract").wait_for()
        assert panel.locator(".abstract").inner_text() == second.abstract
        assert second.title in panel.inner_text() and "class: in_task" in panel.inner_text()
        assert DEFAULT_RELEVANCE in panel.inner_text() and "similarity (" in panel.inner_text()
        shot = os.environ.get("HARNESS_VIEW_SCREENSHOT") or str(tmp_path / "view.png")
        page.screenshot(path=shot)
        assert Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        support = panel.locator("tr.judge", has_text="support")  # label a verdict
        support.locator("button.lab-disagree").click()
        support.locator(".status.ok").wait_for()
        relevance = panel.locator("tr.judge", has_text="relevance")
        relevance.locator("button.lab-agree").click()
        relevance.locator(".status.ok").wait_for()

        page.goto(url + "review?cell=rag-llm-survey%7Creplayed%7C0")  # rate it; hostile text stays text
        assert page.title().startswith("Review rag-llm-survey|replayed|0")
        assert page.evaluate("document.querySelectorAll('.review img, .review a, .review script').length") == 0
        assert "<script>document.title" in page.inner_text(".review")
        page.select_option("#rating select[name=coverage]", "2")
        page.fill("#rating textarea", "cites three papers, one invented heading")
        page.click("#rating button[type=submit]")
        page.locator("#rating .status.ok").wait_for()
        browser.close()

    assert problems == []
    assert all(r.startswith(url) for r in requests), [r for r in requests if not r.startswith(url)]
    records = [json.loads(line) for line in (run_copy / ANNOTATIONS).read_text().splitlines()]
    labels = _validate(run_copy / ANNOTATIONS)
    assert [(lab.judge, lab.agreement, lab.annotator) for lab in labels] == [
        ("support", "disagree", "browser-test"), ("relevance", "agree", "browser-test")]
    assert labels[0].abstract == second.abstract and labels[1].title == second.title
    assert labels[0].cell == labels[1].cell == "rag-llm-survey|replayed|0" and labels[1].label == "yes"
    assert records[-1]["type"] == "rating" and records[-1]["ratings"] == {"coverage": 2}
    proc.send_signal(signal.SIGINT)  # Ctrl-C stops it
    assert proc.wait(timeout=30) is not None
