"""The known-paper index: every paper of every task of a suite, plus paper files a user adds.

A reference that resolves here but not to the scored task is `known` (`harness.papers.refclass`). What the index
is built from is named explicitly by a `harness.scorers.context.ScoringSuite` (a tasks dir and paper files) that
the edge (runner, CLI) makes from a config's `tasks_dir` and `HARNESS_PAPER_FILES` (read there, through
`env_paper_files`) and passes to scoring in its context; nothing here reads a default. Paper files are JSON (a list
of papers, or {"papers": [...]}) or JSON lines, read strictly by `harness.papers.records.load_paper_file`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from harness.models import Paper
from harness.papers.records import load_paper_file
from harness.papers.resolve import PaperIndex


def env_paper_files() -> list[str]:
    """Paper files named by HARNESS_PAPER_FILES (paths joined by the OS path separator)."""
    return [f for f in os.environ.get("HARNESS_PAPER_FILES", "").split(os.pathsep) if f.strip()]


def known_index(papers: Iterable[Paper], files: Sequence[str] = ()) -> PaperIndex:
    """The known-paper index of these papers (a suite's) and the papers of these files (read strictly)."""
    out = list(papers)
    for f in files:
        out += load_paper_file(f)
    return PaperIndex(out)
