"""Citation validity (dangling, unresolved, duplicates), relevance to the topic, and support by abstracts."""

from __future__ import annotations

import numpy as np

from harness.models import Review, Score, Task
from harness.scorers.cited import CitedItem, cited_items, own_paper_matcher
from harness.scorers.calibration_cache import disk_cached
from harness.scorers.relevance import calibrate, title_similarity
from harness.scorers.support import calibrate_support, clean_sentence

NAMES = ["citations.dangling", "citations.unresolved", "citations.duplicates", "citations.valid_rate",
         "citations.on_topic_rate", "citations.off_topic", "citations.support_rate",
         "citations.support_precision", "citations.unverifiable"]


def score_citations(resolved, task: Task, ctx) -> list[Score]:
    """All citations.* scores of a resolved review."""
    review: Review = resolved.review
    items = cited_items(review, task)
    out = _validity(resolved)
    out.extend(_relevance(items, task, ctx))
    out.extend(_support(review, items, task, ctx))
    return out


def _validity(resolved) -> list[Score]:
    """Counts from resolution against the task, with the review's own paper list as a second known source.

    A citation is valid when it names a known paper: one of the task's papers, or (for a generator that was
    given its own pool) a paper of the review's own paper list, matched by arXiv id, title or cite_N position.
    """
    review: Review = resolved.review
    report = resolved.report
    own = own_paper_matcher(review)
    entry = {e.key: e for e in review.references}
    has_cites = bool(review.citations)
    out: list[Score] = []
    if not has_cites:
        out.append(Score.na("citations.dangling", "the review has no in-text citations"))
    else:
        out.append(Score.ok("citations.dangling", len(report.dangling),
                            f"{len(report.dangling)} distinct in-text markers name no reference entry or pool paper",
                            keys=report.dangling[:100]))
    unresolved_entries = [e.key for e in review.references if e.paper_id is None and own(e.arxiv_id, e.title) is None]
    own_entries = [e.key for e in review.references if e.paper_id is None and own(e.arxiv_id, e.title) is not None]
    unresolved_cites = sorted({k for c in review.citations for k, p in zip(c.keys, c.paper_ids)
                               if p is None and k.startswith("cite_") and k not in report.dangling
                               and own(None, None, k) is None})
    if not review.references and not has_cites:
        out.append(Score.na("citations.unresolved", "the review has no references or citations"))
    else:
        n = len(unresolved_entries) + len(unresolved_cites)
        out.append(Score.ok("citations.unresolved", n,
                            f"{n} references match no task paper and no paper of the review's own list (unknown to "
                            f"the harness: hallucinated or outside the task's paper set); {len(own_entries)} are "
                            "only in the review's own list",
                            keys=(unresolved_entries + unresolved_cites)[:100], own_list_only=own_entries[:100]))
    if not review.references:
        out.append(Score.na("citations.duplicates", "the review has no reference list"))
    else:
        out.append(Score.ok("citations.duplicates", len(report.duplicates),
                            f"{len(report.duplicates)} reference entries repeat an earlier one",
                            duplicate_of=report.duplicate_of))
    total = valid = task_valid = 0
    for c in review.citations:
        for k, pid in zip(c.keys, c.paper_ids or [None] * len(c.keys)):
            total += 1
            if pid:
                valid += 1
                task_valid += 1
            elif (k in entry and own(entry[k].arxiv_id, entry[k].title)) or (k.startswith("cite_") and own(None, None, k)):
                valid += 1
    if total == 0:
        out.append(Score.na("citations.valid_rate", "the review has no in-text citation markers"))
    else:
        out.append(Score.ok("citations.valid_rate", valid / total,
                            f"{valid} of {total} in-text citation occurrences name a known paper "
                            f"({task_valid} a task paper, {valid - task_valid} only the review's own paper list)",
                            occurrences=total, valid=valid, task_papers=task_valid))
    return out


def _relevance(items: list[CitedItem], task: Task, ctx) -> list[Score]:
    names = ("citations.on_topic_rate", "citations.off_topic")
    if not items:
        return [Score.na(n, "the review cites nothing") for n in names]
    embedder = ctx.embedder()
    cal = disk_cached(calibrate)(task, embedder)  # computed once per (task, model, backend)
    thr = ctx.thresholds.get("relevance", cal.threshold)
    ref = task.reference_set
    verdicts = []
    to_embed = [it for it in items if it.paper_id not in ref and it.title]
    sims = dict(zip((id(it) for it in to_embed), title_similarity([it.title for it in to_embed], cal.topic_vec,
                                                                   embedder))) if to_embed else {}
    on = off = 0
    unjudged = 0
    for it in items:
        v = {"item": it.key, "keys": list(it.keys), "title": it.title}
        if it.paper_id in ref:
            v.update(verdict="on-topic", basis="in the reference bibliography")
            on += 1
        elif it.title and thr is not None:
            s = float(sims[id(it)])
            ok = s >= thr
            basis = "title similarity" + ("" if it.paper_id or it.own_paper else " (unresolved entry's parsed title)")
            v.update(verdict="on-topic" if ok else "off-topic", similarity=round(s, 4), basis=basis)
            on, off = (on + 1, off) if ok else (on, off + 1)
        else:
            v.update(verdict="unjudged", basis="no title" if not it.title else "no calibrated threshold")
            unjudged += 1
        verdicts.append(v)
    det = {**cal.details(), "threshold_used": thr, "unjudged": unjudged, "verdicts": verdicts}
    judged = on + off
    rule = (f"in the bibliography or title-topic cosine >= {thr:.3f}, calibrated AUROC {_f(cal.auroc_off_topic)} "
            f"vs off-topic, {_f(cal.auroc_near_topic)} vs near-topic" if thr is not None
            else "all judged papers are in the bibliography; no threshold could be calibrated")
    if judged == 0 or (thr is None and unjudged):  # a rate over only the bibliography papers would read as 1.0
        why = (f"no threshold: the task pool has no near-/off-topic papers to calibrate against, so {unjudged} "
               "cited paper(s) outside the bibliography cannot be judged" if thr is None
               else "no cited item has a title to judge")
        return [Score.na(n, why, **det) for n in names]
    return [
        Score.ok("citations.on_topic_rate", on / judged,
                 f"{on} of {judged} cited papers on-topic ({rule})", **det),
        Score.ok("citations.off_topic", off, f"{off} of {judged} cited papers off-topic ({rule})",
                 **{k: det[k] for k in ("threshold_used", "auroc_off_topic", "auroc_near_topic")}),
    ]


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _support(review: Review, items: list[CitedItem], task: Task, ctx) -> list[Score]:
    names = ("citations.support_rate", "citations.support_precision", "citations.unverifiable")
    if not review.citations:
        return [Score.na(n, "the review has no in-text citations") for n in names]
    by_key: dict[str, CitedItem] = {}
    for it in items:
        for k in it.keys:
            by_key.setdefault(k, it)
    pairs: list[tuple[int, str, str]] = []  # (sentence index, item key, abstract), each pair once
    seen: set[tuple[int, str]] = set()
    sentences: dict[str, int] = {}
    unverifiable = 0
    for c in review.citations:
        sent = clean_sentence(c.sentence)
        if not sent:
            continue
        idx = sentences.setdefault(sent, len(sentences))
        for k in c.keys:
            it = by_key.get(k)
            if it is None or (idx, it.key) in seen:
                continue  # dangling (counted by citations.dangling) or already counted
            seen.add((idx, it.key))
            if it.abstract:
                pairs.append((idx, it.key, it.abstract))
            else:
                unverifiable += 1
    sentences = list(sentences)  # type: ignore[assignment]
    unv = Score.ok("citations.unverifiable", unverifiable,
                   f"{unverifiable} distinct sentence-paper citation pairs cite a paper with no known abstract "
                   "(not counted as failures)")
    if not pairs:
        why = "nothing verifiable: no cited paper has an abstract"
        return [Score.na(names[0], why), Score.na(names[1], why), unv]
    embedder = ctx.embedder()
    corpus = [p for p in task.papers if p.abstract] + [p for p in review.papers if p.abstract]
    cal = disk_cached(calibrate_support)(corpus, embedder)
    thr = ctx.thresholds.get("support", cal.threshold)
    if thr is None:
        why = f"cannot calibrate the support threshold: only {cal.n_papers} abstracts of >= 3 sentences"
        return [Score.na(names[0], why), Score.na(names[1], why), unv]
    used_sent = sorted({i for i, _, _ in pairs})
    s_emb = embedder.encode([sentences[i] for i in used_sent])
    row = {i: r for r, i in enumerate(used_sent)}
    abstracts = list(dict.fromkeys(a for _, _, a in pairs))
    a_emb = embedder.encode(abstracts)
    col = {a: j for j, a in enumerate(abstracts)}
    sims = np.array([float(s_emb[row[i]] @ a_emb[col[a]]) for i, _, a in pairs])
    supported = sims >= thr
    sent_ok = {i: False for i in used_sent}
    for (i, _, _), ok in zip(pairs, supported):
        sent_ok[i] = sent_ok[i] or bool(ok)
    n_sent = len(sent_ok)
    n_sup = sum(sent_ok.values())
    det = {**cal.details(), "threshold_used": thr, "pairs": len(pairs), "sentences": n_sent,
           "verdicts": [{"sentence": sentences[i][:200], "item": k, "similarity": round(float(s), 4),
                         "supports": bool(ok)} for (i, k, _), s, ok in zip(pairs, sims, supported)][:300]}
    label = "similarity proxy, not entailment"
    return [
        Score.ok("citations.support_rate", n_sup / n_sent,
                 f"{n_sup} of {n_sent} citing sentences resemble at least one cited abstract (cosine >= {thr:.3f}; "
                 f"{label}; calibration AUROC {_f(cal.auroc)})", **det),
        Score.ok("citations.support_precision", float(supported.mean()),
                 f"{int(supported.sum())} of {len(pairs)} verifiable sentence-paper citation pairs resemble "
                 f"each other ({label})",
                 threshold_used=thr, support_auroc=cal.auroc),
        unv,
    ]
