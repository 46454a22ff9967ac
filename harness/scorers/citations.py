"""Citation validity (dangling, unresolved, duplicates), relevance to the topic, and support by abstracts."""

from __future__ import annotations

from harness.models import CitationVerdict, Review, Score, Task
from harness.papers.refclass import VALID_CLASSES
from harness.papers.resolve import ResolutionReport, ResolvedReview
from harness.scorers.cited import CitedItem, cited_items
from harness.scorers.context import ScoringContext
from harness.scorers.family import Direction, scorer_family
from harness.scorers.linkage import link_problem
from harness.scorers.judge_methods import DEFAULT_RELEVANCE, RELEVANCE_METHODS, RelevanceRef
from harness.scorers.support import BASE_NAMES, score_support

SCORES: dict[str, Direction] = {
    "citations.dangling": "lower",
    "citations.unresolved": "lower",
    "citations.duplicates": "lower",
    "citations.valid_rate": "higher",
    "citations.in_task_rate": "higher",
    "citations.web_sources": "none",  # web pages are references of another kind, not errors
    "citations.unidentified": "lower",  # no identifier and no title match anywhere: the likely-invented class
    "citations.not_found": "lower",
    "citations.unverified": "lower",  # identified (a well-formed id or scholarly URL) but in no index: unverified
    "citations.invalid_ids": "lower",  # impossible or malformed ids, and ids contradicting their titles
    "citations.on_topic_rate": "higher",  # among all titled cited references (title-only ones included)
    "citations.on_topic_rate_identified": "higher",  # among the identified ones (unidentified left out)
    "citations.off_topic": "lower",
    "citations.support_rate": "higher",
    "citations.support_precision": "higher",
    "citations.unverifiable": "lower",  # fewer claims that cannot be checked (as the gate has always read it)
}
NAMES = list(SCORES)
ABOUT = {  # one line per score: what it measures (rendered into docs/metrics.md)
    "citations.dangling": "distinct in-text citation keys that name no reference entry or pool paper",
    "citations.unresolved": "references that are not task papers (the explanation gives their class counts)",
    "citations.duplicates": "reference entries that repeat an earlier entry",
    "citations.valid_rate": "share of classified citation occurrences whose reference is in_task, in_pool, known, "
                            "identified or verified",
    "citations.in_task_rate": "share of citation occurrences whose reference is in the task's bibliography",
    "citations.web_sources": "references that are only a non-scholarly URL (blogs, news, vendor pages)",
    "citations.unidentified": "references with no identifier and no title match anywhere (the likely-invented class)",
    "citations.not_found": "references looked up online and not found; not_applicable unless online verification ran",
    "citations.unverified": "references with a well-formed id or scholarly URL that no index holds",
    "citations.invalid_ids": "references with an impossible or malformed id, or an id contradicting their title",
    "citations.on_topic_rate": "share of judged (titled) references the relevance judge calls on-topic",
    "citations.on_topic_rate_identified": "the same over identified references only (unidentified ones left out)",
    "citations.off_topic": "number of references the relevance judge calls off-topic",
    "citations.support_rate": "share of citing sentences backed by the abstracts they cite (the support judge's "
                              "method; similarity by default, a topical-closeness proxy)",
    "citations.support_precision": "share of citations in supported sentences that are needed for the support",
    "citations.unverifiable": "citations of papers with no known abstract (support cannot be judged)",
    "citations.support_rate.*": "citations.support_rate by another support method (scorers.support_also)",
    "citations.support_precision.*": "citations.support_precision by another support method",
    "citations.unverifiable.*": "citations.unverifiable by another support method",
}
NOT_JUDGED = ("invalid_id", "conflict")  # invented by their identifiers: never judged on-topic (counted by invalid_ids)
# extra support methods (ctx.support_also) score under '<base name>.<method>', in the base name's direction
SUPPORT_PATTERNS: dict[str, Direction] = {f"{n}.*": SCORES[n] for n in BASE_NAMES}
_LINKED = ("citations.valid_rate", "citations.in_task_rate", "citations.on_topic_rate",
           "citations.on_topic_rate_identified", "citations.off_topic",
           "citations.support_rate", "citations.support_precision", "citations.unverifiable")


# the judged scores and the judge whose verdicts they count (reports show its judge card beside them)
JUDGES = {"citations.on_topic_rate": "relevance", "citations.off_topic": "relevance",
          **{n: "support" for n in BASE_NAMES[:2]}, **{f"{n}.*": "support" for n in BASE_NAMES[:2]}}


@scorer_family("citations", scores=SCORES, about=ABOUT, patterns=SUPPORT_PATTERNS, judges=JUDGES)
def score_citations(resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
    """Citation validity (dangling, duplicate, invented or unknown references), on-topic rate and support."""
    review: Review = resolved.review
    items = cited_items(review, task, resolved.report.classes)
    out = _validity(resolved)
    problem = link_problem(review, resolved.report)
    if problem:
        out = [s for s in out if s.name not in _LINKED]
        out.extend(Score.na(n, problem) for n in _LINKED)
        return sorted(out, key=_order)
    out.extend(_relevance([it for it in items if it.ref_class not in NOT_JUDGED], task, ctx, review))
    out.extend(score_support(review, items, task, ctx))
    return sorted(out, key=_order)


def _order(s: Score) -> int:
    """Position of a score in NAMES (extra support methods' scores, '<name>.<method>', after their base)."""
    base = s.name if s.name in NAMES else s.name.rsplit(".", 1)[0]
    return NAMES.index(base) * 2 + (base != s.name) if base in NAMES else 2 * len(NAMES)


def _class_counts(classes: dict[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in classes.values():
        out[c] = out.get(c, 0) + 1
    return out


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {c}" for c, n in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"


def _validity(resolved: ResolvedReview) -> list[Score]:
    """Counts and rates from resolution and the reference classes (`harness.papers.refclass`).

    valid = the occurrence's reference is in_task, in_pool, known, identified or verified (identified ones are
    also counted apart, as unverified, by citations.unverified); an impossible id or one contradicting its title
    is never valid; the review's own paper list ("Papers Used") is the generator's claim, not evidence, so it
    makes nothing valid."""
    review: Review = resolved.review
    report = resolved.report
    has_cites = bool(review.citations)
    entry_classes = dict(report.entry_classes)
    cite_n = {k: c for k, c in report.classes.items() if k.startswith("cite_") and k not in entry_classes}
    all_classes = {**entry_classes, **cite_n}
    counts = _class_counts(all_classes)
    out = [_dangling(review, report)]
    out += _class_scores(review, all_classes, counts)
    out.append(_duplicates(review, report))
    out += _id_scores(all_classes, counts, bool(review.references or has_cites), report.verification_ran)
    out.append(_not_found(report, all_classes))
    if not has_cites:
        why = "the review has no in-text citation markers"
        return out + [Score.na("citations.valid_rate", why), Score.na("citations.in_task_rate", why)]
    return out + _occurrence_rates(review, report, all_classes, counts)


def _dangling(review: Review, report: ResolutionReport) -> Score:
    """citations.dangling: distinct in-text markers naming no reference entry or pool paper."""
    if not review.citations:
        return Score.na("citations.dangling", "the review has no in-text citations")
    return Score.ok("citations.dangling", len(report.dangling),
                    f"{len(report.dangling)} distinct in-text markers name no reference entry or pool paper",
                    keys=report.dangling[:100], distinct_keys=len({k for c in review.citations for k in c.keys}))


def _class_scores(review: Review, all_classes: dict[str, str], counts: dict[str, int]) -> list[Score]:
    """citations.unresolved, .web_sources and .unidentified: references per class."""
    names = ("citations.unresolved", "citations.web_sources", "citations.unidentified")
    if not review.references and not review.citations:
        return [Score.na(n, "the review has no references or citations") for n in names]
    if not all_classes:
        return [Score.na(n, "no reference could be classified: the citations name no reference entry or pool "
                            "paper") for n in names]
    n = len(all_classes)
    not_in_task = [k for k, c in all_classes.items() if c != "in_task"]
    web = [k for k, c in all_classes.items() if c == "web"]
    unid = [k for k, c in all_classes.items() if c == "unidentified"]
    return [
        Score.ok("citations.unresolved", len(not_in_task),
                 f"{len(not_in_task)} of {n} references are not task papers "
                 f"({_counts_text({c: k for c, k in counts.items() if c != 'in_task'})})",
                 keys=not_in_task[:100], classes=counts, references=n),
        Score.ok("citations.web_sources", len(web),
                 f"{len(web)} of {n} references are web pages (a non-scholarly URL only)",
                 keys=web[:100], classes=counts, references=n),
        Score.ok("citations.unidentified", len(unid),
                 f"{len(unid)} of {n} references carry no identifier and match no task "
                 "or indexed paper (offline, the likely-invented class)",
                 keys=unid[:100], classes=counts, references=n)]


def _duplicates(review: Review, report: ResolutionReport) -> Score:
    """citations.duplicates: reference entries repeating an earlier one."""
    if not review.references:
        return Score.na("citations.duplicates", "the review has no reference list")
    return Score.ok("citations.duplicates", len(report.duplicates),
                    f"{len(report.duplicates)} reference entries repeat an earlier one",
                    duplicate_of=report.duplicate_of, entries=len(review.references))


def _not_found(report: ResolutionReport, all_classes: dict[str, str]) -> Score:
    """citations.not_found: references looked up online and not found (not_applicable when no lookup ran)."""
    if not report.verification_ran:
        return Score.na("citations.not_found", "online verification did not run (off by default: pass "
                        "--verify-online, set scorers.verify_online: true, or run `harness verify-refs PATH`)")
    nf = [k for k, c in all_classes.items() if c == "not_found"]
    return Score.ok("citations.not_found", len(nf),
                    f"{len(nf)} of {report.verified_online} references looked up online were not found",
                    keys=nf[:100], looked_up=report.verified_online)


def _occurrence_rates(review: Review, report: ResolutionReport, all_classes: dict[str, str],
                      counts: dict[str, int]) -> list[Score]:
    """citations.in_task_rate and .valid_rate over in-text citation occurrences."""
    occ: dict[str, int] = {}
    total = 0
    for c in review.citations:
        for k in c.keys:
            total += 1
            cls = all_classes.get(k) or report.classes.get(k) or "dangling"
            occ[cls] = occ.get(cls, 0) + 1
    classified = total - occ.get("dangling", 0)
    valid = sum(n for c, n in occ.items() if c in VALID_CLASSES)
    in_task = occ.get("in_task", 0)
    det = {"occurrences": total, "classified": classified, "valid": valid, "occurrence_classes": occ,
           "reference_classes": counts}
    out = [Score.ok("citations.in_task_rate", in_task / total,
                    f"{in_task} of {total} in-text citation occurrences name a paper of the task's reference "
                    "bibliography (pool distractors are in_pool, not in_task)", **det)]
    if classified == 0:
        return out + [Score.na("citations.valid_rate", "no citation occurrence names a reference that could be "
                               "classified (all are dangling)", **det)]
    return out + [Score.ok("citations.valid_rate", valid / classified,
                           f"{valid} of {classified} classified citation occurrences name a real reference "
                           f"(in_task, in_pool, known, identified or verified; impossible ids and conflicts are not)"
                           f"; occurrences by class: {_counts_text(occ)}", **det)]


def _id_scores(classes: dict[str, str], counts: dict[str, int], any_refs: bool, verified: bool) -> list[Score]:
    """citations.unverified and citations.invalid_ids from the reference classes."""
    names = ("citations.unverified", "citations.invalid_ids")
    if not any_refs or not classes:
        return [Score.na(n, "no reference could be classified") for n in names]
    unver = [k for k, c in classes.items() if c == "identified"]
    bad = [k for k, c in classes.items() if c in ("invalid_id", "conflict")]
    settle = "" if verified else " (offline: --verify-online settles them)"
    return [Score.ok(names[0], len(unver), f"{len(unver)} of {len(classes)} references carry a well-formed "
                     f"identifier that no index holds: identified, unverified{settle}",
                     keys=unver[:100], references=len(classes)),
            Score.ok(names[1], len(bad), f"{len(bad)} of {len(classes)} references carry an impossible or malformed "
                     f"identifier ({counts.get('invalid_id', 0)}) or one naming another paper than its title "
                     f"({counts.get('conflict', 0)})", keys=bad[:100], references=len(classes))]


def _relevance(items: list[CitedItem], task: Task, ctx, review: Review | None = None) -> list[Score]:
    """citations.on_topic_rate (all titled references), .on_topic_rate_identified and .off_topic from the
    relevance method ctx.relevance names (default DEFAULT_RELEVANCE). Unidentified (title-only, unmatched)
    references are judged like the rest: whether they exist is citations.unidentified's question."""
    names = ("citations.on_topic_rate", "citations.on_topic_rate_identified", "citations.off_topic")
    if not items:
        return [Score.na(n, "the review cites nothing") for n in names]
    spec = getattr(ctx, "relevance", None)
    method = RELEVANCE_METHODS.get(getattr(spec, "method", None) or DEFAULT_RELEVANCE)
    ref = task.reference_set
    urls = {e.key: e.url for e in (review.references if review is not None else []) if e.url}
    refs = [RelevanceRef(key=it.key, title=it.title, abstract=it.abstract, paper_id=it.paper_id,
                         url=next((urls[k] for k in it.keys if k in urls), None),
                         in_bibliography=it.paper_id in ref, ref_class=it.ref_class, contexts=tuple(it.sentences))
            for it in items]
    res = method.fn(refs, task, ctx, spec)
    verdicts = [CitationVerdict(item=it.key, keys=list(it.keys), title=it.title, verdict=j.verdict, basis=j.basis,
                                similarity=j.score if method.name == "title_similarity" else None, score=j.score,
                                threshold=j.threshold, method=method.name, ref_class=it.ref_class,
                                evidence=j.details or None)
                for it, j in zip(items, res.judgments)]
    thr = res.details.get("threshold_used")
    unjudged = sum(j.verdict not in ("on-topic", "off-topic") for j in res.judgments)
    det = {**res.details, "method": method.name, "measures": method.measures, "unjudged": unjudged,
           "unjudged_reasons": _reasons(res.judgments), "verdicts": [v.to_details() for v in verdicts]}
    blind = sum(j.basis == "no calibrated threshold" for j in res.judgments)
    if blind and not res.na:  # a rate over only the bibliography would read 1.0
        res.na = (f"no threshold: {blind} cited reference(s) outside the bibliography cannot be judged"
                  + (f" ({res.details['reason']})" if res.details.get("reason") else
                     " (the task pool has no near-/off-topic papers to calibrate against)"))
    if res.na:
        return [Score.na(n, res.na, **det) for n in names]
    return [*_rates(items, res.judgments, method.name, res.rule, thr, det),
            _off_topic(res.judgments, method.name, thr, det)]


def _reasons(judgments) -> dict[str, int]:
    out: dict[str, int] = {}
    for j in judgments:
        if j.verdict not in ("on-topic", "off-topic"):
            out[j.basis or "unjudged"] = out.get(j.basis or "unjudged", 0) + 1
    return out


def _rates(items, judgments, method: str, rule: str, thr, det: dict) -> list[Score]:
    """The on-topic rate among all judged references and among the identified ones (not `unidentified`)."""
    out = []
    for name, keep, what in (("citations.on_topic_rate", lambda it: True, "cited references"),
                             ("citations.on_topic_rate_identified", lambda it: it.ref_class != "unidentified",
                              "identified cited references (unidentified ones left out)")):
        js = [j for it, j in zip(items, judgments) if keep(it)]
        on = sum(j.verdict == "on-topic" for j in js)
        judged = on + sum(j.verdict == "off-topic" for j in js)
        if judged == 0:
            why = (f"no {what} could be judged" + (f": {_counts_text(_reasons(js))}" if js else "")
                   + ("; " + det["reason"] if det.get("reason") else ""))
            out.append(Score.na(name, why, **(det if name == "citations.on_topic_rate" else {})))
            continue
        extra = {"judged": judged, "unjudged": len(js) - judged}
        text = f"{on} of {judged} judged {what} on-topic ({rule})"
        if len(js) > judged:
            text += f"; {len(js) - judged} unjudged ({_counts_text(_reasons(js))})"
        out.append(Score.ok(name, on / judged, text, **({**det, **extra} if name == "citations.on_topic_rate"
                                                         else {**extra, "method": method})))
    return out


def _off_topic(judgments, method: str, thr, det: dict) -> Score:
    off = sum(j.verdict == "off-topic" for j in judgments)
    judged = off + sum(j.verdict == "on-topic" for j in judgments)
    if judged == 0:
        return Score.na("citations.off_topic", "no cited reference could be judged", method=method)
    below = f"judged off-topic by {method}" + ("" if thr is None else f" (score below {thr:.3f}, not in the "
                                                                        "bibliography)")
    return Score.ok("citations.off_topic", off, f"{off} of {judged} judged cited references are off-topic ({below})",
                    judged=judged, method=method,
                    **{k: det[k] for k in ("threshold_used", "auroc_off_topic", "auroc_near_topic") if k in det})

