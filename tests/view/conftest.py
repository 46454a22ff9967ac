"""A real offline run for the viewer: the extractive baseline and a replayed system whose reviews cite task papers
in several marker styles (numeric, author-year, superscript, @cite-free) and carry hostile text, on two tasks,
scored by the coverage, citations (relevance and support), length and cost families."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.config import ExperimentConfig
from harness.runner import run_experiment
from harness.tasks.suite import get_task
from report.conftest import make_run  # noqa: F401  (runs in the report tests' schema, older verdict records)

TASKS = ["stfm-since-2024", "rag-llm-survey"]
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser")
                             or "") if p and Path(p).exists()), None)
HOSTILE = ("<script>document.title='pwned';console.error('xss')</script> "
           "<img src=x onerror=\"console.error('xss')\"> [click me](javascript:console.error('xss')) "
           "![pixel](http://example.invalid/pixel.png) <a href=\"javascript:alert(1)\" onclick=\"alert(2)\">a</a>")
LONG_LINE = "W" * 120_000


def replay_review(task_id: str) -> str:
    """A markdown review citing three of the task's bibliography papers: [n], author-year and <sup>n</sup>."""
    task = get_task(task_id)
    papers = [task.paper(pid) for pid in task.reference_papers[:3]]
    refs = "\n".join(f"[{i}] Zhang{i}, A. and Lee, B. ({2020 + i}). {p.title}. arXiv:{p.arxiv_id}"
                     for i, p in enumerate(papers, 1))
    return (f"# A review of {task.topic[:60]}\n\n## Findings\n\n"
            f"- **Bold start**: {papers[0].title} is discussed here [1].\n"
            f"- A second point follows the method of (Zhang2 et al., 2022).\n"
            f"- A third claim is made<sup>3</sup>.\n\n"
            f"Plain prose with *emphasis* and {HOSTILE}.\n\n{LONG_LINE}\n\n## References\n\n{refs}\n")


@pytest.fixture(scope="session")
def view_run(tmp_path_factory) -> Path:
    """The run directory (made once per session; about a minute on 2 cores with warm embedding caches)."""
    out = tmp_path_factory.mktemp("view-run")
    replay = out / "replayed"
    replay.mkdir()
    for task_id in TASKS:
        (replay / f"{task_id}.md").write_text(replay_review(task_id), encoding="utf-8")
    config = ExperimentConfig.from_dict({
        "name": "view-test", "tasks": TASKS, "seeds": [0],
        "generators": [{"name": "extractive", "kind": "extractive", "k": 8},
                       {"name": "replayed", "kind": "replay", "replay": str(replay), "params": {"format": "markdown"}}],
        "scorers": {"families": ["coverage", "citations", "length", "cost"]},
        "output_dir": str(out / "results"), "cache_dir": str(out / "cache"),
    })
    summary = run_experiment(config, progress=False)
    assert summary.status == "complete" and summary.cells_done == 4
    return Path(summary.run_dir)


@pytest.fixture
def run_copy(view_run, tmp_path) -> Path:
    """A private copy of the run, so a test's labels never reach another test."""
    dest = tmp_path / view_run.name
    shutil.copytree(view_run, dest, ignore=shutil.ignore_patterns(".lock", "annotations.jsonl"))
    return dest
