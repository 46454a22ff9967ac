"""The human-label record: one JSON line per judgment a person made, the schema `harness judges validate` reads.

One schema serves label files users write by hand, the shipped sets (mapped from their own labels) and the
labels `harness view` appends to RUN/annotations.jsonl. A record carries the judge's *inputs* (so the judge can
be run again on it) and the person's answer:
- support: `sentence` plus the cited source's `title` and `abstract` (or a web passage in `evidence`);
- relevance: `topic` (or a suite `task_id`) plus the reference's `title`, and `url` / `abstract` where known.
`label` is yes | no | unclear (supported / on-topic or not). A viewer label also records what was shown
(`verdict_shown`, `method`, `model`) and the person's `agreement` with it; its `label` is derived from those
(agree keeps the shown verdict, disagree flips it, unsure is unclear) by `label_of`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

LabelValue = Literal["yes", "no", "unclear"]
Judge = Literal["support", "relevance"]
Agreement = Literal["agree", "disagree", "unsure"]


class HumanLabel(BaseModel):
    """One person's judgment of one judge input (see the module docstring); unknown fields are kept."""

    model_config = ConfigDict(extra="allow")

    id: str
    judge: Judge | None = None  # inferred: `sentence` present -> support, else relevance
    label: LabelValue | None = None  # required unless `agreement` and `verdict_shown` give it
    subgroup: str | None = None  # e.g. the shipped set's own label (CONTRADICT, NOTENOUGHINFO, partially_supported)
    # support inputs
    sentence: str | None = None
    title: str | None = None
    abstract: str | None = None
    evidence: str | None = None
    # relevance inputs
    topic: str | None = None
    task_id: str | None = None
    url: str | None = None
    # written by `harness view` (a verdict checked by a person)
    annotator: str | None = None
    time: str | None = None
    run: str | None = None
    cell: str | None = None
    citation: str | None = None  # the review key / item the verdict was about
    method: str | None = None
    model: str | None = None
    verdict_shown: LabelValue | None = None
    agreement: Agreement | None = None

    @model_validator(mode="after")
    def _complete(self) -> HumanLabel:
        if self.judge is None:
            self.judge = "support" if self.sentence else "relevance"
        if self.label is None:
            self.label = label_of(self.agreement, self.verdict_shown)
        if self.label is None:
            raise ValueError("no label: give `label` (yes|no|unclear), or `agreement` with `verdict_shown`")
        if self.judge == "support" and not (self.sentence and (self.abstract or self.evidence)):
            raise ValueError("a support label needs `sentence` and `abstract` or `evidence`")
        if self.judge == "relevance" and not (self.title and (self.topic or self.task_id)):
            raise ValueError("a relevance label needs `title` and `topic` or `task_id`")
        return self


def label_of(agreement: Agreement | None, shown: LabelValue | None) -> LabelValue | None:
    """The label a person's agreement with a shown verdict implies (None when either is missing)."""
    if agreement is None or shown is None:
        return None
    if agreement == "unsure" or shown == "unclear":
        return "unclear"
    return shown if agreement == "agree" else ("no" if shown == "yes" else "yes")
