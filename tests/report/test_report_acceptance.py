"""Acceptance: a real run (real litellm over HTTP, the fault server scripting two models of known quality and a
near twin, plus both offline baselines) is reported with the known ranking, the real gap marked, no mark between
the near twins, and the failure banner opening the report."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from reliability.conftest import small_task
from fakes.provider import FaultServer

from harness.report import build_report
from harness.report import leaderboard as lb
from harness.report.assemble import assemble
from harness.report.join import join_runs
from harness.report.significance import metric_tests

N_TASKS = 12
TOPICS = [f"{word} systems" for word in ("alpine", "boreal", "coastal", "desert", "estuary", "fjord", "glacier",
                                          "heath", "island", "jungle", "karst", "lagoon")]
REFS = 8  # bibliography papers per task (small_task's n)
# tasks on which a near twin leaves out one of the 8 reference papers (recall 7/8 there, 1 elsewhere)
A_MISSES = set(range(8, 12))
B_MISSES = set(range(0, 6))
FAILED_TASK = 0  # the weak model's cell on this task fails: 500 on every attempt


def _review(topic: str, titles: list[str]) -> str:
    """A markdown review citing the given titles as [1]..[n], with its reference list."""
    lines = [f"# A review of {topic}", "", "## Introduction", ""]
    lines += [f"Work in this area has made progress on problem {i} [{i}]." for i in range(1, len(titles) + 1)]
    lines += ["", "## References", ""] + [f"[{i}] {t}" for i, t in enumerate(titles, 1)]
    return "\n".join(lines) + "\n"


def _script(server: FaultServer, tasks: list[dict]) -> None:
    for i, task in enumerate(tasks):
        topic, refs = task["topic"], [p["title"] for p in task["papers"][:REFS]]
        invented = [f"An invented study of {topic} number {j}" for j in range(6)]
        if i == FAILED_TASK:
            server.script(["500", "500", "500"], match=topic, model="weak-model")
        # weak: 2 of the 8 reference papers and 6 invented ones -> recall 2/8 = 0.25
        server.script([], match=topic, model="weak-model", text=_review(topic, refs[:2] + invented))
        server.script([], match=topic, model="strong-a", text=_review(topic, refs[:7] if i in A_MISSES else refs))
        server.script([], match=topic, model="strong-b", text=_review(topic, refs[:7] if i in B_MISSES else refs))


@pytest.fixture(scope="module")
def scripted_run(tmp_path_factory) -> Path:
    from harness.config import ExperimentConfig
    from harness.runner import run_experiment

    root = tmp_path_factory.mktemp("acceptance")
    tasks_dir = root / "tasks"
    tasks_dir.mkdir()
    tasks = [small_task(f"acc-{i:02d}", topic, offset=100 * i) for i, topic in enumerate(TOPICS)]
    for t in tasks:
        (tasks_dir / f"{t['id']}.json").write_text(json.dumps(t))
    with FaultServer(max_requests=200, lifetime_s=400.0, hang_s=5.0) as server:
        _script(server, tasks)
        llm = {"kind": "llm", "strategy": "zero_shot", "mode": "chat", "api_base": server.api_base,
               "price": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}, "params": {"max_tokens": 400}}
        gens = [{"name": "strong-a", "model": "openai/strong-a", **llm},
                {"name": "strong-b", "model": "openai/strong-b", **llm},
                {"name": "weak", "model": "openai/weak-model", **llm},
                {"name": "extractive", "kind": "extractive", "k": 4},
                {"name": "recent-papers", "kind": "recent_papers", "k": 4}]
        config = ExperimentConfig.from_dict({
            "name": "acceptance", "tasks": [t["id"] for t in tasks], "tasks_dir": str(tasks_dir), "seeds": [0],
            "generators": gens, "scorers": {"families": ["coverage", "citations", "length", "cost"]},
            "concurrency": {"global": 4}, "timeout_s": 20.0,
            "retries": {"max_attempts": 3, "base_delay_s": 0.05, "max_delay_s": 0.2},
            "output_dir": str(root / "results"), "cache_dir": str(root / "cache")})
        summary = run_experiment(config, progress=False)
    assert summary.cells_done == N_TASKS * 5
    return Path(summary.run_dir)


@pytest.fixture(scope="module")
def parts(scripted_run):
    return assemble(join_runs([scripted_run]), n_boot=500)


def _board(parts, metric):
    return lb.metric_board(parts.scores, parts.summaries, metric, parts.generators, n_boot=200)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_scripted_models_have_the_recall_counted_by_hand(parts):
    means = {s.generator: s.estimate.mean for s in parts.summaries if s.metric == "coverage.recall"}
    assert means["strong-a"] == pytest.approx((8 * 1 + 4 * 7 / 8) / 12)
    assert means["strong-b"] == pytest.approx((6 * 1 + 6 * 7 / 8) / 12)
    assert means["weak"] == pytest.approx(2 / 8)  # on the 11 tasks whose cell did not fail
    weak = next(s for s in parts.summaries if s.metric == "coverage.recall" and s.generator == "weak")
    assert weak.n == 11 and weak.n_error == 1


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_ranked_in_the_known_order_with_the_real_gap_marked(parts, scripted_run):
    board = _board(parts, "coverage.recall")
    rank = {s.generator: s.rank for s in board.standings}
    assert rank["strong-a"] == 1 and rank["strong-b"] == 2
    assert rank["weak"] > rank["strong-b"]
    overall = [s.generator for s in lb.overall_board(parts.scores, parts.metrics, parts.generators,
                                                     n_boot=200).standings]
    assert overall.index("strong-a") < overall.index("weak") and overall.index("strong-b") < overall.index("weak")
    md = build_report(scripted_run, formats="md", n_boot=500)["md"].read_text()
    main = md.split("## Mean [95% CI] per generator", 1)[1].split("\n## ", 1)[0]
    weak_row = next(line for line in main.splitlines() if line.startswith("| weak |"))
    a_row = next(line for line in main.splitlines() if line.startswith("| strong-a |"))
    recall_col = main.splitlines()[2].split(" | ").index("coverage.recall ↑")
    assert weak_row.split(" | ")[recall_col].startswith("0.250†")  # significantly worse than the best
    assert a_row.split(" | ")[recall_col].startswith("**0.958**")  # the best, in bold
    board_md = md.split("## Leaderboard", 1)[1].split("\n## ", 1)[0]
    assert "Holm–Bonferroni" in board_md and "sign-flip" in board_md and "n = 11–12 tasks" in board_md


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_two_nearly_equal_generators_carry_no_mark(parts):
    tests = metric_tests(parts.scores, parts.summaries, "coverage.recall", parts.generators, n_boot=300)
    pair = tests.tests[("strong-a", "strong-b")]
    # per task a - b: +1/8 on the 6 tasks b misses a paper, -1/8 on the 4 a misses, 0 on 2: |sum of signs| >= 2
    # for 10 random signs has probability 1 - C(10,5)/2^10
    assert pair.p == pytest.approx(1 - math.comb(10, 5) / 2**10)
    assert not pair.significant and "strong-b" not in tests.worse
    assert "weak" in tests.worse and tests.tests[("strong-a", "weak")].significant
    assert tests.best == {"strong-a"}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_report_opens_with_the_failure_banner_then_the_leaderboard(scripted_run):
    written = build_report(scripted_run, formats="md,html,tex", n_boot=300)
    md = written["md"].read_text()
    assert md.index("## Failures") < md.index("## Leaderboard") < md.index("## Mean [95% CI]")
    failures = md.split("## Failures", 1)[1].split("## Leaderboard", 1)[0]
    assert "**1 cell failed: openai/weak-model:" in failures
    row = next(line for line in failures.splitlines() if line.startswith("| openai/weak-model |"))
    assert "| 1 | weak |" in row and "weak: coverage.recall (1)" in row
    html = written["html"].read_text()
    assert html.index('id="failures" class="banner"') < html.index('id="leaderboard"') < html.index('id="summary"')
    assert "1 cell failed: openai/weak-model" in html
    tex = written["tex"].read_text()
    assert tex.index(r"\subsection*{Failures}") < tex.index(r"\caption{Leaderboard}")


MEASURE = """<script>
const wrap = document.getElementById('leaderboard-table').parentElement;
document.body.dataset.overflow = [wrap.scrollWidth, wrap.clientWidth, document.documentElement.scrollWidth,
                                  window.innerWidth].join(',');
</script></body>"""


def _measured_copy(page: Path, dest: Path) -> Path:
    """The report with one measuring script added and the CSP relaxed for it only (the layout is unchanged)."""
    html = page.read_text(encoding="utf-8")
    html = html.replace("script-src 'none'", "script-src 'unsafe-inline'").replace("</body>", MEASURE)
    dest.write_text(html, encoding="utf-8")
    return dest


def _overflow(tmp_path: Path, page: Path, width: int) -> list[int]:
    from .test_report_chromium import _chromium

    dom, _console = _chromium(tmp_path, page, "--dump-dom", f"--window-size={width},900")
    m = __import__("re").search(r'data-overflow="(\d+),(\d+),(\d+),(\d+)"', dom)
    assert m, "the measuring script did not run"
    return [int(v) for v in m.groups()]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_leaderboard_does_not_overflow_at_desktop_width(scripted_run, tmp_path):
    from .test_report_chromium import CHROMIUM

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (CI: apt-get install -y chromium)")
    page = build_report(scripted_run, formats="html", n_boot=300, out_dir=tmp_path / "r")["html"]
    probe = _measured_copy(page, tmp_path / "r" / "probe.html")
    inner, box, page_w, view_w = _overflow(tmp_path, probe, 1440)
    assert inner <= box and page_w <= view_w, (inner, box, page_w, view_w)
    inner, box, _, _ = _overflow(tmp_path, probe, 420)  # the control: a phone width does overflow (and scrolls)
    assert inner > box


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_desktop_screenshot_shows_the_banner_above_the_leaderboard(scripted_run, tmp_path):
    from PIL import Image

    from .test_report_chromium import CHROMIUM, _chromium

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (CI: apt-get install -y chromium)")
    page = build_report(scripted_run, formats="html", n_boot=300, out_dir=tmp_path / "r")["html"]
    shot = tmp_path / "desktop.png"
    _out, console = _chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1440,900", "--hide-scrollbars")
    assert console == []
    img = Image.open(shot).convert("RGB")
    assert img.size == (1440, 900)
    banner_bg = (0xFA, 0xDB, 0xD8)  # report.css --off-bg, the failure banner's background
    rows = [y for y in range(0, 900, 4) if sum(img.getpixel((x, y)) == banner_bg for x in range(0, 1440, 8)) > 60]
    assert rows and rows[0] < 300, "no failure banner near the top of the page"
    dark = [y for y in range(max(rows) + 1, 900, 2) if any(sum(img.getpixel((x, y))) < 200 for x in range(30, 600, 3))]
    assert dark, "nothing rendered below the banner (the leaderboard)"
