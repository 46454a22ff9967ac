"""Each citation of a review with what every judge decided about it and on what evidence: the reference, its
class, its abstract when known, and per judge the verdict, score, threshold, method and model (read from the
score rows the run stored; nothing is judged again here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from harness.models import CitationVerdict, Review, SupportVerdict, Task
from harness.papers.resolve import PaperIndex, resolve_for_task
from harness.report.ref_classes import reference_classes, with_classes
from harness.report.review_view import ReviewView, norm_key, build_view, key_info, parse_details
from harness.scorers.cited import CitedItem, cited_items
from harness.scorers.support import claim_text

RELEVANCE_SCORE = "citations.on_topic_rate"
SUPPORT_SCORE = "citations.support_rate"
_SHOWN = {"on-topic": "yes", "off-topic": "no"}


@dataclass
class JudgeVerdict:
    """One judge's verdict on one citation: what it said (`shown`: yes | no | unclear) and its evidence."""

    judge: str  # relevance | support
    score: str  # the score row holding the verdict, e.g. citations.support_rate.nli
    method: str | None
    model: str | None
    verdict: str
    shown: str
    value: float | None = None
    value_name: str = ""
    threshold: float | None = None
    basis: str | None = None
    sentence: str | None = None  # support: the judged sentence (markers removed)
    item: str | None = None


@dataclass
class RefEvidence:
    """One review key: the reference it names, its class and abstract, and each relevance judge's verdict."""

    key: str
    verdict: str
    title: str = ""
    raw: str = ""
    url: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    paper_id: str | None = None
    ref_class: str | None = None
    abstract: str | None = None
    judges: list[JudgeVerdict] = field(default_factory=list)


@dataclass
class CitationEvidence:
    """One citation marker of the text (its index is the span's data-c) and, per key it names, each support
    judge's verdict on its sentence."""

    index: int
    marker: str
    style: str
    sentence: str
    verdict: str
    keys: list[str] = field(default_factory=list)
    support: dict[str, list[JudgeVerdict]] = field(default_factory=dict)


@dataclass
class ReviewEvidence:
    """The review's view (text and marks), its references by key and the evidence of every citation."""

    view: ReviewView
    refs: dict[str, RefEvidence]
    citations: list[CitationEvidence]
    topic: str | None

    def as_json(self) -> dict[str, Any]:
        return {"refs": {k: asdict(r) for k, r in self.refs.items()}, "citations": [asdict(c) for c in self.citations]}

    def verdict(self, index: int, key: str, score: str) -> tuple[RefEvidence, JudgeVerdict] | None:
        """The verdict of judge `score` on key `key` of citation `index`, with its reference; None if none."""
        if not 0 <= index < len(self.citations) or key not in self.citations[index].keys:
            return None
        ref = self.refs.get(norm_key(key))
        pool = (ref.judges if ref else []) + self.citations[index].support.get(key, [])
        found = next((v for v in pool if v.score == score), None)
        return (ref or RefEvidence(key=key, verdict="dangling"), found) if found else None


def _judge_rows(rows: list[dict[str, Any]], prefix: str) -> list[tuple[str, dict[str, Any]]]:
    """(score name, details) of the rows of one judge family that hold per-citation verdicts, main one first."""
    out = []
    for r in rows:
        if r["score"] == prefix or r["score"].startswith(prefix + "."):
            det = parse_details(r.get("details"))
            if isinstance(det.get("verdicts"), list):
                out.append((r["score"], det))
    return sorted(out, key=lambda x: (x[0] != prefix, x[0]))


def _threshold(det: dict[str, Any]) -> float | None:
    value = det.get("threshold_used", det.get("threshold"))
    return float(value) if isinstance(value, (int, float)) else None


def _relevance_verdict(score: str, det: dict[str, Any], v: CitationVerdict) -> JudgeVerdict:
    cal = det.get("calibration") if isinstance(det.get("calibration"), dict) else {}
    model = det.get("model") or cal.get("embedding_model")
    return JudgeVerdict("relevance", score, det.get("method"), model, v.verdict, _SHOWN.get(v.verdict, "unclear"),
                        v.similarity, "title–topic cosine" if v.similarity is not None else "", _threshold(det),
                        v.basis, None, v.item)


def _support_verdict(score: str, det: dict[str, Any], v: SupportVerdict, claim: str) -> JudgeVerdict:
    value, name = (v.entailment, "entailment") if v.entailment is not None else (v.similarity, "similarity")
    words = {True: "supported", False: "not supported", None: "could not judge"}[v.supports]
    shown = {True: "yes", False: "no", None: "unclear"}[v.supports]
    return JudgeVerdict("support", score, det.get("method"), det.get("model"), words, shown, value,
                        name if value is not None else "", _threshold(det), None, claim or v.sentence, v.item)


def _resolved(review: dict[str, Any], task: Task | None, known: PaperIndex | None
              ) -> tuple[dict[str, Any], dict[str, CitedItem]]:
    """The review resolved against its task as the scorers resolve it (entries get paper ids and classes), and
    review key -> the cited item the scorers judged (paper id, own:<id> or entry:<key>)."""
    try:
        parsed = Review.model_validate(review)
    except ValueError:
        return review, {}
    classes = None
    if task is not None:
        resolved = resolve_for_task(parsed, task, known)
        parsed, classes = resolved.review, resolved.report.classes
    items = {norm_key(k): it for it in cited_items(parsed, task, classes) for k in it.keys}
    return parsed.model_dump(mode="json"), items


def _entries(review: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for ref in review.get("references") or []:
        if isinstance(ref, dict) and ref.get("key") is not None:
            for k in [ref["key"], *(ref.get("aliases") or [])]:
                out.setdefault(norm_key(k), ref)
    return out


def review_evidence(gen: dict[str, Any], rows: list[dict[str, Any]], task: Task | None,
                    known: PaperIndex | None = None) -> ReviewEvidence:
    """Every citation of one generation with each relevance and support judge's verdict and evidence."""
    review = gen.get("review") or {}
    relevance = _judge_rows(rows, RELEVANCE_SCORE)
    support = _judge_rows(rows, SUPPORT_SCORE)
    view = build_view(review, relevance[0][1]["verdicts"] if relevance else None)
    _counts, by_key = reference_classes(rows)
    resolved, items = _resolved(review, task, known)
    entries = _entries(resolved)
    view = with_classes(view, by_key, set(entries))
    rel_by_key = [(score, det, key_info(review, det["verdicts"])[0]) for score, det in relevance]
    sup_index = [(score, det, {(v.item, v.sentence[:200]): v for v in SupportVerdict.read_list(det["verdicts"])})
                 for score, det in support]
    refs: dict[str, RefEvidence] = {}
    out = []
    for i, mark in enumerate(view.marks):
        claim = claim_text(mark.sentence)[0] if mark.sentence else ""
        cit = CitationEvidence(i, mark.text, mark.style, mark.sentence, mark.verdict, list(mark.keys))
        for key, verdict in zip(mark.keys, mark.verdicts):
            nk = norm_key(key)
            if nk not in refs:
                refs[nk] = _reference(nk, verdict, entries.get(nk, {}), items.get(nk), by_key.get(nk), rel_by_key)
            item = items.get(nk)
            for score, det, index in sup_index:
                v = index.get((item.key, claim[:200])) if item and claim else None
                if v is not None:
                    cit.support.setdefault(key, []).append(_support_verdict(score, det, v, claim))
        out.append(cit)
    return ReviewEvidence(view, refs, out, task.topic if task else (review.get("topic") or None))


def _reference(key: str, verdict: str, entry: dict[str, Any], item: CitedItem | None, ref_class: str | None,
               relevance: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> RefEvidence:
    """What is known of the reference a key names, with each relevance judge's verdict on it."""
    ref = RefEvidence(key=key, verdict=verdict, title=(item.title if item else None) or entry.get("title") or "",
                      raw=str(entry.get("raw") or ""), url=entry.get("url"),
                      arxiv_id=entry.get("arxiv_id") or (item.arxiv_id if item else None), doi=entry.get("doi"),
                      paper_id=(item.paper_id if item else None) or entry.get("paper_id"),
                      ref_class=entry.get("ref_class") or (item.ref_class if item else None) or ref_class,
                      abstract=item.abstract if item else None)
    for score, det, infos in relevance:
        rec = infos[key].record if key in infos else None
        if rec is not None:
            ref.judges.append(_relevance_verdict(score, det, rec))
    return ref
