"""Whether a review's in-text markers link to its references at all; the reason when they do not.

Scores that depend on the marker-to-reference link (coverage, validity and relevance rates, support, plan
references) are `not_applicable` with this reason instead of an ok 0 that only says the reader failed."""

from __future__ import annotations

from harness.models import Review


def link_problem(review: Review, report) -> str | None:
    """Why no citation of the text links to a reference (None when at least one does, or there is no text)."""
    if not review.text.strip():
        return None
    if review.references and not review.citations:
        return (f"the reader found a reference list ({len(review.references)} entries) but no in-text citation "
                "markers, so no reference can be linked to the text")
    if not review.citations:
        return None
    if report is not None:
        dangling = set(report.dangling)
    else:  # no resolution report: a key is dangling when no entry (or shared number) holds it
        have = {k for e in review.references for k in [e.key, *e.aliases]}
        dangling = {k for c in review.citations for k in c.keys if k not in have and not k.startswith("cite_")}
    keys = [k for c in review.citations for k in c.keys]
    if keys and all(k in dangling for k in keys):
        styles = ", ".join(sorted({c.style or "numeric" for c in review.citations}))
        if not review.references and not any(k.startswith("cite_") for k in keys):
            return (f"the reader found {len(keys)} in-text citations ({styles}) but no reference list to link "
                    "them to")
        return (f"none of the {len(keys)} in-text citations ({styles}) names an entry of the reference list or a "
                f"pool paper (e.g. {keys[0]!r})")
    return None
