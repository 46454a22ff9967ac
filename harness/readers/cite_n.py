"""`@cite_N` reviews (LitLLM / Multi-XScience style): markers name the N-th paper of the pool given to the writer.

Keys are "cite_N". The reader does not resolve them: `harness.papers.resolve` maps cite_N to the N-th paper of the
review's own paper list (`pool=` here, or a "Papers Used" list) or, when that is empty, of the task's pool order.
A `[n]` reference list, if present, is parsed too.
"""

from __future__ import annotations

from harness.models import Review
from harness.readers.markdown import review_from_markdown
from harness.core.text import CITE_MARKER, NUMERIC_MARKER

NAME = "cite-n"


def looks_like(text: str) -> bool:
    """More @cite_N markers than numeric ones (counted on the first 2 MB)."""
    head = text[:2_000_000]
    n_cite = sum(1 for _ in CITE_MARKER.finditer(head))
    return n_cite > 0 and n_cite > sum(1 for _ in NUMERIC_MARKER.finditer(head))


def parse(text: str, name: str | None = None, pool=None) -> Review:
    review = review_from_markdown(text, NAME)
    review.warnings = [w for w in review.warnings if w != "no reference list found"]
    if pool:
        review.papers = list(pool)
    return review  # without a pool, resolution uses the task's pool order; `harness inspect` says when it has none


CITE_N_NO_POOL = ("@cite_N markers name positions in the pool the generator was shown: pass --task ID to "
                  "resolve them against that task's pool")
