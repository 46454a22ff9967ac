"""Coverage of the task's reference bibliography: recall/precision/F1, SurveyBench pooled precision, headings, methods."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from harness.models import Review, Score, Task, normalize_arxiv_id
from harness.papers.resolve import ResolvedReview
from harness.scorers.cited import cited_items
from harness.scorers.degeneracy import DUMP_K, MIN_OWN_WORDS, citation_uses, section_contents, substantive_items
from harness.scorers.family import Direction, scorer_family
from harness.scorers.linkage import link_problem

if TYPE_CHECKING:
    from harness.scorers import ScoringContext

SCORES: dict[str, Direction] = {"coverage.recall": "higher", "coverage.precision": "higher", "coverage.f1": "higher",
                                "coverage.pooled_precision": "higher", "coverage.heading_soft_recall": "higher",
                                "coverage.method_recall": "higher", "coverage.substantive_recall": "higher",
                                "coverage.substantive_precision": "higher"}
ABOUT = {
    "coverage.recall": "share of the bibliography cited anywhere in the text (the plain count: a dump counts)",
    "coverage.precision": "share of distinct cited items in the bibliography (the plain count)",
    "coverage.heading_soft_recall": "soft recall of the reference outline by the review's headings that have text "
                                    "under them (empty headings deliver nothing)",
    "coverage.substantive_recall": "share of the bibliography cited in substance at least once (not in a dump, "
                                   "a repeat, a pasted title or abstract, or a sentence with no words of its own)",
    "coverage.substantive_precision": "share of distinct cited items that are bibliography papers cited in "
                                      "substance",
    "coverage.f1": "harmonic mean of coverage.recall and coverage.precision (the plain counts)",
    "coverage.pooled_precision": "SurveyBench's citation coverage: share of cited arXiv ids in the pooled references;"
                                 " not_applicable when fewer than half of the references carry an arXiv id",
    "coverage.method_recall": "share of the bibliography's method names (\"UniST: ...\") mentioned in the text",
}
NAMES = list(SCORES)

_NEW_STYLE = re.compile(r"^(\d{4})\.(\d{4,5})$")


def _arxiv_key(aid: str) -> tuple[int, int] | None:
    m = _NEW_STYLE.match(aid)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _strip_version(aid: str) -> str:
    return re.sub(r"v\d+$", "", str(aid).strip())


def pooled_precision(cited_ids: Iterable[str], pooled_ids: Iterable[str]) -> tuple[float | None, dict]:
    """SurveyBench's citation "coverage" from its definition, over plain arXiv id lists.

    Definition (reproduces SurveyBench's published means 0.6294 human / 0.4655 generated):
    pooled = pooled ids, version stripped, new-style `YYMM.NNNNN` only; newest = max of pooled compared as
    (yymm, number) integers. kept = distinct cited ids, version stripped, new-style only, strictly older than
    newest (a cited id equal to the newest is dropped). value = |kept ∩ pooled| / |kept|; None when kept is empty.
    """
    pooled = {p for p in (_strip_version(x) for x in pooled_ids) if _arxiv_key(p)}
    if not pooled:
        return None, {"reason": "no new-style arXiv ids in the pooled set"}
    newest = max(pooled, key=_arxiv_key)
    newest_key = _arxiv_key(newest)
    cited = [_strip_version(x) for x in cited_ids]
    new_style = {c for c in cited if _arxiv_key(c)}
    kept = {c for c in new_style if _arxiv_key(c) < newest_key}
    details = {"cited": len(set(cited)), "new_style": len(new_style), "kept": len(kept),
               "hits": len(kept & pooled), "pooled": len(pooled), "newest_pooled": newest}
    if not kept:
        return None, details
    return len(kept & pooled) / len(kept), details


def soft_cardinality(sim: np.ndarray) -> float:
    """Soft count of a set from its pairwise similarity matrix: sum_i 1 / sum_j max(0, sim_ij)."""
    s = np.clip(sim, 0.0, 1.0)
    return float(np.sum(1.0 / np.maximum(s.sum(axis=1), 1e-9)))


# Headings at or above this MiniLM cosine count as one: above the highest cosine between distinct headings of the
# shipped task outlines (0.95, "Construction of ..." vs "Applications of LLM-based Autonomous Agent").
SAME_HEADING_COSINE = 0.97


def heading_key(title: str) -> str:
    """A heading without numbering, markdown, case and punctuation: equal keys are one heading repeated."""
    t = re.sub(r"^[\d.\s]+", "", re.sub(r"[*_`#]", " ", title).strip())
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", t.lower())).strip()


def distinct_headings(titles: Sequence[str], emb: np.ndarray,
                      threshold: float = SAME_HEADING_COSINE) -> list[int]:
    """Indices of the first of each group of near-identical headings (same key, or cosine >= threshold).

    Soft cardinality is not invariant to repetition: each copy of a heading adds to the gold headings' row sums
    in the union, so repeating headings would raise soft recall. Scoring the distinct headings only prevents it.
    """
    kept: list[int] = []
    keys: set[str] = set()
    for i, title in enumerate(titles):
        key = heading_key(title)
        if key in keys or any(float(emb[i] @ emb[j]) >= threshold for j in kept):
            continue
        keys.add(key)
        kept.append(i)
    return kept


def heading_soft_recall(gold: np.ndarray, pred: np.ndarray) -> float:
    """STORM/SurGE soft heading recall over unit embeddings of gold (task outline) and predicted headings.

    card(X) = soft_cardinality(X X^T);  card(G ∩ P) = card(G) + card(P) - card(G ∪ P);
    recall = card(G ∩ P) / card(G), clipped to [0, 1]. Cosines below 0 count as 0.
    """
    cg = soft_cardinality(gold @ gold.T)
    cp = soft_cardinality(pred @ pred.T)
    union = np.vstack([gold, pred])
    cu = soft_cardinality(union @ union.T)
    return float(min(1.0, max(0.0, (cg + cp - cu) / cg)))


_NAME_STOP = {"survey", "review", "position", "introduction", "benchmark", "tutorial", "overview", "editorial",
              "perspective", "commentary", "abstract", "preprint", "a", "an", "the", "towards", "toward",
              "beyond", "rethinking", "revisiting", "when", "what", "why", "how", "is", "are", "do", "does",
              "can", "from", "on", "in", "for", "part", "chapter", "appendix", "report", "dataset", "datasets"}


def method_name(title: str) -> str | None:
    """The method name before a title's colon ("UniST: A Prompt-Empowered ..." -> "UniST"), if it looks like a name.

    Name-like: one token (letters/digits/hyphens/dots, >= 2 chars, starting with a capital or digit and
    or hyphens) or two tokens of which one is camel-case, an acronym or has a digit ("MS MARCO"; not
    "Open-Set Recognition"); common words ("Survey", "Towards") are not names.
    """
    if ":" not in title:
        return None
    head = title.split(":", 1)[0].strip().strip("*\"'`")
    tokens = head.split()
    if not tokens or len(tokens) > 2 or len(head) > 30:
        return None
    if any(t.lower() in _NAME_STOP for t in tokens):
        return None
    if not all(re.fullmatch(r"[A-Za-z0-9][\w.\-+]*", t) for t in tokens):
        return None
    if not re.match(r"[A-Z0-9]", tokens[0]):
        return None
    inner = any(re.search(r"[a-z0-9][A-Z]|[A-Z]{2}|\d", t) for t in tokens)
    if len(tokens) == 2 and not inner:
        return None
    if len(head) < 2:
        return None
    return head


def method_names(titles: Iterable[str]) -> list[str]:
    """Distinct method names of a bibliography (in first-seen order)."""
    out: list[str] = []
    for t in titles:
        n = method_name(t or "")
        if n and n not in out:
            out.append(n)
    return out


def mentioned(name: str, text: str) -> bool:
    """Case-sensitive whole-word mention (hyphens and word characters bound the word)."""
    return re.search(r"(?<![\w\-])" + re.escape(name) + r"(?![\w\-])", text) is not None


@scorer_family("coverage", scores=SCORES, about=ABOUT)
def score_coverage(resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
    """Coverage of the task's bibliography (plain and in substance), pooled precision, outline headings, methods."""
    review: Review = resolved.review
    if not task.has_bibliography:  # bibliography: none — nothing to cover; headings still compare to an outline
        why = "the task has no reference bibliography (bibliography: none)"
        return ([Score.na(n, why) for n in NAMES[:4]] + [_headings(review, task, ctx), Score.na(NAMES[5], why)]
                + [Score.na(n, why) for n in NAMES[6:]])
    items = cited_items(review, task)
    ref = task.reference_set
    out: list[Score] = []
    problem = link_problem(review, resolved.report)
    if problem:  # the reader could not link markers to references: no rate can be computed from what was read
        out.extend(Score.na(n, problem) for n in ("coverage.recall", "coverage.precision", "coverage.f1",
                                                  "coverage.pooled_precision"))
    else:
        out.extend(_set_scores(items, ref, has_text=bool(review.text.strip())))
        out.append(_pooled(items, task))
    out.append(_headings(review, task, ctx))
    out.append(_methods(review, task))
    out.extend([Score.na(n, problem) for n in NAMES[6:]] if problem else _substantive(review, items, ref))
    return out


def _substantive(review: Review, items, ref: set[str]) -> list[Score]:
    """coverage.substantive_recall / _precision: bibliography papers with at least one citation in substance."""
    names = ("coverage.substantive_recall", "coverage.substantive_precision")
    if not review.text.strip():
        return [Score.na(n, "the review has no text") for n in names]
    uses = citation_uses(review, items)
    good = substantive_items(uses)
    hits = sorted(it.paper_id for it in items if it.key in good and it.paper_id in ref)
    rule = (f"cited in substance: in a sentence citing at most {DUMP_K} references, not repeating an earlier "
            f"sentence, not reproducing the cited title or abstract, with at least {MIN_OWN_WORDS} words of its own")
    det = {"hits": hits[:200], "n_hits": len(hits), "cited_items": len(items), "substantive_items": len(good),
           "reference_papers": len(ref), "citation_occurrences": len(uses)}
    out = [Score.ok(names[0], len(hits) / len(ref), f"{len(hits)} of the {len(ref)} reference-bibliography papers "
                    f"are {rule}", **det)]
    if not items:
        out.append(Score.na(names[1], "the review's text cites no paper"))
    else:
        out.append(Score.ok(names[1], len(hits) / len(items), f"{len(hits)} of {len(items)} distinct cited items "
                            "are bibliography papers cited in substance", **det))
    return out


def _set_scores(items, ref: set[str], has_text: bool) -> list[Score]:
    if not items and has_text:  # a text that cites nothing covers nothing; precision is undefined
        why = "the review's text cites no paper (reference entries never cited in the text do not count)"
        return [Score.ok("coverage.recall", 0.0, f"0 of the {len(ref)} reference-bibliography papers are cited: "
                         + why, n_hits=0, cited_items=0, reference_papers=len(ref)),
                Score.na("coverage.precision", why), Score.na("coverage.f1", why)]
    if not items:
        why = "the review cites nothing (no text and no reference entries)"
        return [Score.na(n, why) for n in NAMES[:3]]
    resolved_ids = {i.paper_id for i in items if i.paper_id}
    hits = sorted(resolved_ids & ref)
    n_items = len(items)
    recall = len(hits) / len(ref)
    precision = len(hits) / n_items
    f1 = 2 * recall * precision / (recall + precision) if hits else 0.0
    det = {"hits": hits[:200], "n_hits": len(hits), "cited_items": n_items, "resolved_cited": len(resolved_ids),
           "reference_papers": len(ref)}
    return [
        Score.ok("coverage.recall", recall,
                 f"{len(hits)} of the {len(ref)} reference-bibliography papers are cited", **det),
        Score.ok("coverage.precision", precision,
                 f"{len(hits)} of {n_items} distinct cited items are in the reference bibliography "
                 "(unresolved citations count as misses)", **det),
        Score.ok("coverage.f1", f1, f"harmonic mean of recall {recall:.3f} and precision {precision:.3f}",
                 recall=recall, precision=precision, n_hits=len(hits), cited_items=n_items, reference_papers=len(ref)),
    ]


def _pooled(items, task: Task) -> Score:
    name = "coverage.pooled_precision"
    if not task.pooled_reference_ids:
        return Score.na(name, "the task has no pooled reference ids (SurveyBench-style pool)")
    ids = [normalize_arxiv_id(i.arxiv_id) or i.arxiv_id for i in items if i.arxiv_id]
    if not items:
        return Score.na(name, "the review cites nothing")
    if len(ids) * 2 < len(items):  # SurveyBench's metric assumes every cited reference carries an arXiv id
        return Score.na(name, f"only {len(ids)} of {len(items)} cited references carry an arXiv id (fewer than "
                        "half): SurveyBench's pooled precision assumes ids, and a title-only list would score "
                        "only the entries that matched a task paper", with_arxiv_id=len(ids), cited=len(items))
    value, det = pooled_precision(ids, task.pooled_reference_ids)
    if value is None:
        return Score.na(name, "no cited new-style arXiv id older than the newest pooled id", **det)
    return Score.ok(name, value, f"{det['hits']} of {det['kept']} cited arXiv ids (new-style, older than "
                    f"{det['newest_pooled']}) are in the pooled set of {det['pooled']} (SurveyBench definition)",
                    **det)


def _headings(review: Review, task: Task, ctx) -> Score:
    name = "coverage.heading_soft_recall"
    gold = [h for h in task.reference_survey.outline if h.strip()]
    if not gold:
        return Score.na(name, "the task has no reference outline")
    if not any(s.title.strip() for s in review.sections):
        return Score.na(name, "the review has no headings")
    filled = {" ".join(t.split()) for t, _, words in section_contents(review) if words}
    pred = [s.title for s in review.sections if s.title.strip() and " ".join(s.title.split()) in filled]
    if not pred:  # headings alone deliver no section (issue 26: an outline pasted as empty headings)
        return Score.ok(name, 0.0, "no review heading has text under it: empty headings recall nothing",
                        gold=len(gold), predicted=0)
    gold_txt = [h.split(">")[-1].strip() for h in gold]
    pred_txt = [re.sub(r"^[\d.\s]+", "", re.sub(r"[*_`]", "", p)).strip() or p for p in pred]
    emb = ctx.embedder().encode(gold_txt + pred_txt)
    pred_emb = emb[len(gold_txt):]
    keep = distinct_headings(pred_txt, pred_emb)
    value = heading_soft_recall(emb[: len(gold_txt)], pred_emb[keep])
    repeated = len(pred_txt) - len(keep)
    why = f"soft recall of {len(gold_txt)} outline headings by {len(keep)} distinct review headings with text"
    if repeated:
        why += f" ({repeated} near-identical repeats counted once)"
    return Score.ok(name, value, why + " (soft cardinality over MiniLM cosines)", gold=len(gold_txt),
                    predicted=len(pred_txt), distinct=len(keep))


def _methods(review: Review, task: Task) -> Score:
    name = "coverage.method_recall"
    titles = [task.paper(pid).title for pid in task.reference_papers]
    names = method_names(titles)
    if len(names) < 3:
        return Score.na(name, f"the reference bibliography names only {len(names)} methods (< 3)", names=names)
    if not review.text.strip():
        return Score.na(name, "the review has no text")
    hits = [n for n in names if mentioned(n, review.text)]
    return Score.ok(name, len(hits) / len(names),
                    f"{len(hits)} of {len(names)} method names of the reference bibliography appear in the text",
                    mentioned=hits, missing=[n for n in names if n not in hits][:100])
