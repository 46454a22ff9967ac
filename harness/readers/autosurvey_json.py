"""AutoSurvey JSON: {"survey": markdown, "reference": {"n": "arXiv id with version"}} -> markdown + arXiv ids."""

from __future__ import annotations

from harness.core.errors import HarnessError
from harness.models import ReferenceEntry, Review, normalize_arxiv_id
from harness.readers.json_util import load_json
from harness.readers.markdown import review_from_markdown

NAME = "autosurvey-json"


def looks_like(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("survey"), str)


def parse(text: str, name: str | None = None, pool=None) -> Review:
    """Parse the survey markdown, then set each entry's arXiv id from the reference map (key = entry number)."""
    data = load_json(text)
    if not looks_like(data):
        raise HarnessError('expected a JSON object with a "survey" string', field="survey")
    refmap = data.get("reference") or {}
    if not isinstance(refmap, dict):
        raise HarnessError('"reference" must map entry numbers to arXiv ids', field="reference")
    review = review_from_markdown(data["survey"], NAME)
    by_key = {e.key: e for e in review.references}
    bad = []
    for key, value in refmap.items():
        key = str(key)
        aid = normalize_arxiv_id(str(value)) if value else None
        if value and aid is None:
            bad.append(key)
        entry = by_key.get(key)
        if entry is None:
            entry = ReferenceEntry(key=key, raw=str(value))
            review.references.append(entry)
            by_key[key] = entry
            review.warnings.append(f"reference map key {key} has no entry in the survey's list; added")
        if aid:
            entry.arxiv_id = aid
    if bad:
        review.warnings.append("reference map values that are not arXiv ids: keys " + ", ".join(bad[:20]))
    if not refmap:
        review.warnings.append('no "reference" map: entries have titles only')
    if pool:
        review.papers = list(pool)
    return review
