"""The shipped suite's texts in the forms the scorers embed them (what harness/data/embeddings pre-computes)."""

from __future__ import annotations

from harness.scorers.context import ScoringSuite


def suite_texts(suite: ScoringSuite) -> set[str]:
    """Every task's topic, bibliography titles (whitespace collapsed, as relevance's topic models read them),
    reference-outline headings (last `>` part, as coverage reads them) and paper abstracts (as support reads
    them), and the off-topic pools' titles (relevance's calibration)."""
    out: set[str] = set()
    for task in suite.tasks().values():
        out.add(task.topic)
        for pid in task.reference_papers:
            title = task.paper(pid).title
            if title:
                out.add(" ".join(title.split()))
        out.update(p.abstract for p in task.papers if p.abstract)
        out.update(h.split(">")[-1].strip() for h in task.reference_survey.outline if h.strip())
    for pool in suite.pools():
        out.update(p.title for p in pool.papers if p.title)
    return {t for t in out if t.strip()}


__all__ = ["suite_texts"]
