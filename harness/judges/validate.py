"""Run a registered support or relevance method over human labels, the way scoring calls it, and measure it.

Support: each label is one Claim (its sentence cleaned and capped as scoring does) with one Evidence (the
cited title and abstract, or the web passage), all passed to the method in one call per calibration task; the
item's verdict is the method's pair verdict and its score the pair's value. Relevance: each label is one
RelevanceRef (title, url, abstract), matched by title to the suite task's papers as scoring resolves it (a
bibliography paper is on-topic by rule), every titled one passed per task; verdict on-topic -> yes, off-topic ->
no, unjudged -> no verdict.

Which task a label is judged under (it decides calibrated thresholds, e.g. the similarity method's):
1. its `task_id` (or its run cell's task), when that is a suite task (labels of a run, relevance-real-outputs):
   exactly what scoring did;
2. else, relevance: a task-free task on its `topic` (as `harness score` without --task builds one: the generic
   on-topic rule fitted on the suite);
3. else, support: a calibration task holding the sources of the shipped set's calibration split (Check-COVID
   train, ExpertQA val, WiCE dev), minus any source also in the measured items, so the threshold is fitted
   on the same kind of text but never on what is measured; for a set without one (SciFact, a user's file),
   the suite's abstracts (every shipped task's papers with an abstract).
Relevance references carry the class the harness gives them (in_task, known, identified, web, unidentified)
and the figures are also given per class, so a method that leaves `unidentified` references unjudged (as
scoring long did) shows it as coverage, and the identified-only figures are read off the class subgroups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.core.errors import HarnessError
from harness.judges.agreement import Agreement, agreement
from harness.judges.labelsets import SHIPPED, LabelSet, load_shipped
from harness.judges.schema import HumanLabel
from harness.models import Paper, ReferenceEntry, Review, Task
from harness.papers.resolve import PaperIndex, resolve_for_task
from harness.scorers.cited import cited_items
from harness.tasks.from_review import task_from_papers, task_from_review
from harness.scorers.judge_methods import (RELEVANCE_METHODS, SUPPORT_METHODS, Claim, Evidence, RelevanceRef)
from harness.scorers.support import SupportSpec, claim_text


@dataclass
class ItemResult:
    """One label and what the judge said of it."""

    id: str
    label: str
    subgroup: str | None
    verdict: bool | None
    score: float | None
    groups: tuple[str, ...] = ()  # the subgroups it counts in: its `subgroup`, and "field=value" per slice


@dataclass
class Validation:
    """A method's verdicts on a label set, its identity as it reported it, and the agreement figures."""

    judge: str
    method: str
    measures: str
    model: str | None
    prompt_hash: str | None
    calibration_id: str | None
    items: list[ItemResult]
    agreement: Agreement
    details: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def validate(labelset: LabelSet, judge: str, method: str, model: str | None, ctx: Any,
             suite: dict[str, Task] | None = None, n_boot: int | None = None) -> Validation:
    """Run `method` of `judge` over the set's labels of that judge and measure its agreement with them."""
    labels = [lab for lab in labelset.labels if lab.judge == judge]
    if not labels:
        raise HarnessError(f"the label set holds no {judge} labels", path=labelset.path,
                           hint=f"it holds {', '.join(sorted(labelset.judges)) or 'none'} labels")
    run = _run_support if judge == "support" else _run_relevance
    items, ident = run(labels, labelset, method, model, ctx, suite or {})
    extra = {} if n_boot is None else {"n_boot": n_boot}
    agr = agreement([i.label for i in items], [i.verdict for i in items], [i.score for i in items],
                    [i.groups for i in items], **extra)
    return Validation(judge=judge, items=items, agreement=agr, **ident)


def _identity(name: str, measures: str, res: Any, details: dict, errors: list[str]) -> dict[str, Any]:
    return {"method": name, "measures": measures, "model": getattr(res, "model", None) or details.get("model"),
            "prompt_hash": getattr(res, "prompt_hash", None) or details.get("prompt_hash"),
            "calibration_id": details.get("calibration_id"), "details": _plain(details), "errors": errors[:20]}


def _plain(details: dict) -> dict:
    """The JSON-friendly scalar details of a method's result (verdict lists and arrays left out)."""
    return {k: v for k, v in details.items() if isinstance(v, (str, int, float, bool, type(None)))}


def _run_support(labels: list[HumanLabel], labelset: LabelSet, method: str, model: str | None, ctx: Any,
                 suite: dict[str, Task]) -> tuple[list[ItemResult], dict]:
    entry = SUPPORT_METHODS.get(method)
    spec = SupportSpec(method=method, model=model)
    groups = _group(labels, lambda lab: suite.get(task_id_of(lab) or ""),
                    lambda: _calibration_task(labelset, labels, suite))
    verdicts: dict[str, tuple[bool | None, float | None]] = {}
    details: dict = {}
    errors: list[str] = []
    res = None
    for task, group in groups:
        claims = []
        for i, lab in enumerate(group):
            text, capped = claim_text(lab.sentence or "")
            claims.append(Claim(index=i, text=text, capped=capped,
                                evidence=[Evidence(lab.id, lab.title, lab.abstract or lab.evidence or "")]))
        res = entry.fn(claims, task, ctx, spec)
        if res.na:
            raise HarnessError(f"support ({method}) cannot judge these labels: {res.na}")
        errors.extend(res.errors)
        details = details or res.details
        for c, lab in zip(claims, group):
            verdicts[lab.id] = (res.pairs.get((c.index, lab.id)), res.values.get((c.index, lab.id)))
    return _items(labels, verdicts, labelset.slices), _identity(method, entry.measures, res, details, errors)


def _run_relevance(labels: list[HumanLabel], labelset: LabelSet, method: str, model: str | None, ctx: Any,
                   suite: dict[str, Task]) -> tuple[list[ItemResult], dict]:
    entry = RELEVANCE_METHODS.get(method)
    spec = _RelevanceSpec(method=method, model=model)
    topics: dict[str, Task] = {}

    def task_of(lab: HumanLabel) -> Task:
        if task_id_of(lab) in suite:
            return suite[task_id_of(lab)]  # type: ignore[index]
        if not lab.topic:
            raise HarnessError(f"label {lab.id!r}: task_id {lab.task_id!r} is not a suite task and no topic is "
                               "given", path=labelset.path, field="task_id")
        if lab.topic not in topics:
            topics[lab.topic] = task_from_review(Review(source_format="labels", text="", topic=lab.topic),
                                                 f"labels-topic-{len(topics)}")
        return topics[lab.topic]

    verdicts: dict[str, tuple[bool | None, float | None]] = {}
    classes: dict[str, str] = {}
    details: dict = {}
    errors: list[str] = []
    for task, group in _group(labels, task_of, None):
        refs, owners = _refs(group, task, ctx.suite.known())
        classes.update({lab_id: f"class={r.ref_class}" for r in refs for lab_id in owners[r.key] if r.ref_class})
        res = entry.fn(refs, task, ctx, spec) if refs else None
        if res is not None and res.na:
            errors.append(f"{task.id}: {res.na}")
        details = details or (res.details if res is not None else {})
        judged = res.judgments if res is not None and not res.na else [None] * len(refs)
        for ref, j in zip(refs, judged):
            v = None if j is None or j.verdict == "unjudged" else j.verdict == "on-topic"
            for lab_id in owners[ref.key]:
                verdicts[lab_id] = (v, None if j is None else j.score)
    return (_items(labels, verdicts, labelset.slices, classes),
            _identity(method, entry.measures, None, details, errors))


def task_id_of(lab: HumanLabel) -> str | None:
    """The suite task a label was made under: its task_id, else the task of its run cell ("task|generator|seed")."""
    return lab.task_id or (lab.cell.split("|", 1)[0] if lab.cell and "|" in lab.cell else None)


@dataclass(frozen=True)
class _RelevanceSpec:
    """The relevance spec a method receives (method and model), as scoring's config gives it."""

    method: str
    model: str | None = None


def _refs(group: list[HumanLabel], task: Task, known: PaperIndex | None) -> tuple[list[RelevanceRef], dict[str, list[str]]]:
    """The labels' references as scoring sees them: a reference list resolved against the task and classified
    (harness.papers.resolve), one cited item per distinct paper, each with its class (an `unidentified` one has no
    identifier and matches no paper: the method decides whether it judges it). Also: item key -> label ids."""
    review = Review(source_format="labels", text="", references=[
        ReferenceEntry(key=str(i), raw=" ".join(x for x in (lab.title, lab.url) if x), title=lab.title, url=lab.url,
                       arxiv_id=(lab.model_extra or {}).get("arxiv_id"), doi=(lab.model_extra or {}).get("doi"))
        for i, lab in enumerate(group)])
    resolved = resolve_for_task(review, task, known)
    items = cited_items(resolved.review, task, resolved.report.classes)
    ref_set = task.reference_set
    refs, owners = [], {}
    for it in items:
        owners[it.key] = [group[int(k)].id for k in it.keys if k.isdigit() and int(k) < len(group)]
        lab = group[int(it.keys[0])]
        refs.append(RelevanceRef(key=it.key, title=it.title, url=lab.url, abstract=it.abstract or lab.abstract,
                                 paper_id=it.paper_id, in_bibliography=it.paper_id in ref_set,
                                 ref_class=it.ref_class, contexts=tuple(it.sentences)))
    return refs, owners


def _group(labels: list[HumanLabel], task_of: Callable[[HumanLabel], Task | None],
           fallback: Callable[[], Task] | None) -> list[tuple[Task, list[HumanLabel]]]:
    """Labels grouped by the task they are judged under (first-seen order); `fallback` built once if needed."""
    out: dict[int, tuple[Task, list[HumanLabel]]] = {}
    cache: list[Task] = []
    for lab in labels:
        task = task_of(lab)
        if task is None:
            if not cache:
                cache.append(fallback())  # type: ignore[misc]
            task = cache[0]
        out.setdefault(id(task), (task, []))[1].append(lab)
    return list(out.values())


def _items(labels: list[HumanLabel], verdicts: dict[str, tuple[bool | None, float | None]],
           slices: tuple[str, ...] = (), more: dict[str, str] | None = None) -> list[ItemResult]:
    """One result per label, with its subgroups: its own, one per slice field, and `more` (label id -> group)."""
    out = []
    for lab in labels:
        fields = {**(lab.model_extra or {}), **lab.model_dump(include=set(slices))}
        groups = ([lab.subgroup] if lab.subgroup else []) + [f"{f}={fields[f]}" for f in slices
                                                             if fields.get(f) is not None]
        groups += [more[lab.id]] if more and lab.id in more else []
        out.append(ItemResult(lab.id, lab.label or "unclear", lab.subgroup, *verdicts.get(lab.id, (None, None)),
                              groups=tuple(groups)))
    return out


def _calibration_task(labelset: LabelSet, measured: list[HumanLabel], suite: dict[str, Task]) -> Task:
    """The task a support threshold is calibrated under for labels without a suite task (module docstring, 3)."""
    shipped = SHIPPED.get(labelset.name)
    if shipped is not None and labelset.calibration_split:
        held = {_source(lab) for lab in measured}
        cal = load_shipped(shipped, labelset.calibration_split).labels
        papers = {}
        for lab in cal:
            text = _source(lab)
            if text and text not in held:
                papers.setdefault(text, Paper(id=f"cal-{len(papers)}", title=lab.title or text[:80], abstract=text))
        name = f"labels-{labelset.name}-{labelset.calibration_split}"
        return task_from_papers(list(papers.values()), name, name)  # the labels' own sources: shipped data
    papers = {p.id: p for t in suite.values() for p in t.papers if p.abstract}
    return task_from_papers(list(papers.values()), "labels-suite-abstracts", "suite abstracts")


def _source(lab: HumanLabel) -> str:
    return " ".join((lab.abstract or lab.evidence or "").split())
