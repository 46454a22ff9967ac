"""Every real generator output under ../shared/data/outputs parses and resolves.

Files whose entries carry no ids and that list no papers of their own (all of these outputs) are resolved
against their task (rag-llm -> rag-llm-survey, hallucination-nlg -> llm-hallucination-survey,
visual-transformer -> vision-transformers). The AutoSurvey examples (in-context learning, OOD detection,
semi-supervised learning) have no task in the suite: for them only parse counts are asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.readers import read_review
from harness.scorers.context import ScoringSuite
from harness.papers.resolve import resolve_for_task, resolve_review

OUTPUTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "outputs"
FILES = sorted(p for p in OUTPUTS.glob("*/*") if p.suffix in (".md", ".json"))
TASK_OF = {"rag-llm": "rag-llm-survey", "hallucination-nlg": "llm-hallucination-survey",
           "visual-transformer": "vision-transformers"}


def test_outputs_are_there(shared_dir):
    assert len(FILES) == 15


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_output_parses_and_resolves(path):
    review = read_review(path)
    assert review.references, review.warnings
    assert review.text.strip() and review.sections
    if path.parent.name == "surge-naive":  # cites as "[Pan et al., 13]": no numeric markers to count
        assert "reference list but no in-text citations" in review.warnings or review.citations
    else:
        assert review.citations
    task_id = TASK_OF.get(path.stem)
    if task_id is None:  # AutoSurvey examples: no task, no own paper list
        assert resolve_review(review, review.papers).report.unresolved  # nothing to resolve against
        return
    from harness.tasks.suite import get_task

    report = resolve_for_task(review, get_task(task_id), ScoringSuite.from_env().known()).report
    assert len(report.resolved) > 0
    assert len(report.resolved) + len(report.unresolved) == len(review.references)
