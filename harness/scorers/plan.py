"""Plan adherence: sections and references a review's plan promised that the review delivered."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from harness.models import Paper, Review, Score, Task, normalize_arxiv_id, normalize_title
from harness.papers.resolve import ResolvedReview
from harness.scorers.cited import cited_items
from harness.scorers.degeneracy import section_contents
from harness.scorers.family import Direction, scorer_family
from harness.scorers.linkage import link_problem
from harness.scorers.plan_targets import plan_cut_signals, plan_targets
from harness.core.text import CITE_MARKER, NUMERIC_MARKER, count_words, expand_marker, headings, marker_spans

if TYPE_CHECKING:
    from harness.scorers import ScoringContext

SCORES: dict[str, Direction] = {
    "plan.sections_delivered_rate": "higher",
    "plan.references_used_rate": "higher",
    "plan.target_words": "none",  # the plan's own target: what the generator chose, not how well it did
    "plan.words_ratio": "none",  # best at 1, worse both above and below: not monotone
    "plan.truncated": "lower",
}
NAMES = list(SCORES)
ABOUT = {  # one line per score: what it measures (rendered into docs/metrics.md)
    "plan.sections_delivered_rate": "share of the plan's sections delivered as a heading with text under it",
    "plan.references_used_rate": "share of the references the plan promised that the review cites",
    "plan.target_words": "the plan's own stated total word target (else the sum of its section targets)",
    "plan.words_ratio": "words delivered / the midpoint of the plan's target (best at 1)",
    "plan.truncated": "1 when the plan itself was cut off (finish reason length, a line cut mid-way, sections "
                      "announced but not specified)",
}

# A plan section counts as delivered when a review heading matches it this well (rapidfuzz token_set_ratio
# on normalised titles, 0-100) or its MiniLM cosine reaches SECTION_COSINE.
SECTION_FUZZ = 85
SECTION_COSINE = 0.75

_SECTION_HEAD = re.compile(r"^(?:section|part|chapter)\s+(\d+)\s*[:.\-–—]\s*(.+)$", re.I)
_NUMBERED = re.compile(r"^(\d+)(?:\.|\)|:|\s)\s*(.+)$")
_ALL_N = re.compile(r"\ball\s+(\d+)\s+(?:of\s+the\s+)?(?:provided\s+|given\s+|candidate\s+)?"
                    r"(?:references|papers|citations|sources|works)", re.I)
_CITE_RANGE = re.compile(r"@cite_(\d+)`?\s*(?:to|-|–|through)\s*`?@cite_(\d+)", re.I)


def _clean(title: str) -> str:
    t = re.sub(r"[*_`]", "", title)
    t = re.sub(r"\(\s*~?\s*[\d,]+\s*(?:-\s*[\d,]+\s*)?words?\s*\)", "", t, flags=re.I)
    return re.sub(r"\s+", " ", t).strip(" :.-")


def plan_sections(plan: str) -> list[str]:
    """Section titles the plan announces: 'Section N: Title' headings/bold lines, else numbered headings."""
    lines = [(_clean(t), True) for _, t, _ in headings(plan)]
    lines += [(_clean(m.group(1)), False) for m in re.finditer(r"^\s*\*\*(.+?)\*\*\s*(?:\(.*\))?\s*$", plan, re.M)]
    by_num: dict[int, str] = {}
    for text, _ in lines:
        m = _SECTION_HEAD.match(text)
        if m:
            by_num.setdefault(int(m.group(1)), m.group(2).strip())
    if not by_num:
        for text, is_heading in lines:
            m = _NUMBERED.match(text)
            if m and is_heading:
                by_num.setdefault(int(m.group(1)), m.group(2).strip())
    return [by_num[k] for k in sorted(by_num)]


def _norm_heading(t: str) -> str:
    return normalize_title(re.sub(r"^\s*(?:section\s+)?[\d.]+\s*[:.)]?\s*", "", _clean(t), flags=re.I))


def match_sections(promised: list[str], review: Review, ctx=None) -> list[tuple[str, str | None, float]]:
    """(plan section, best review heading or None, match score) for each promised section.

    Only headings with prose under them (`harness.scorers.degeneracy.section_contents`) can deliver a section:
    an empty heading promises what the plan promised and delivers nothing."""
    filled = {" ".join(t.split()) for t, _, words in section_contents(review) if words}
    heads = [s.title for s in review.sections if " ".join(s.title.split()) in filled]
    if not heads:
        return [(p, None, 0.0) for p in promised]
    hn = [_norm_heading(h) for h in heads]
    out: list[tuple[str, str | None, float]] = []
    sims = None
    for i, p in enumerate(promised):
        pn = _norm_heading(p)
        scores = [fuzz.token_set_ratio(pn, h) for h in hn]
        j = max(range(len(hn)), key=lambda k: scores[k])
        if scores[j] >= SECTION_FUZZ:
            out.append((p, heads[j], scores[j] / 100))
            continue
        if ctx is not None and sims is None:
            emb = ctx.embedder().encode([_norm_heading(x) for x in promised] + hn)
            sims = emb[: len(promised)] @ emb[len(promised):].T
        if sims is not None:
            j = int(sims[i].argmax())
            if sims[i, j] >= SECTION_COSINE:
                out.append((p, heads[j], float(sims[i, j])))
                continue
        out.append((p, None, float(scores[j]) / 100))
    return out


def undelivered_sections(review: Review, ctx=None) -> list[str]:
    """Plan sections with no matching review heading."""
    if not review.plan:
        return []
    return [p for p, h, _ in match_sections(plan_sections(review.plan), review, ctx) if h is None]


def promised_references(plan: str, n_pool: int) -> tuple[set[int] | None, str]:
    """Pool positions (1-based) the plan promises, and how they were read; None when it names none."""
    m = _ALL_N.search(plan)
    r = _CITE_RANGE.search(plan)
    if r and int(r.group(1)) <= int(r.group(2)):
        lo, hi = int(r.group(1)), int(r.group(2))
        return set(range(lo, hi + 1)), f"the plan promises @cite_{lo} to @cite_{hi}"
    if m:
        n = int(m.group(1))
        return set(range(1, n + 1)), f"the plan promises all {n} provided references"
    named = {int(x) for x in CITE_MARKER.findall(plan)}
    if named:
        return named, f"the plan names {len(named)} distinct @cite_N papers"
    nums = {n for mm in NUMERIC_MARKER.finditer(plan) for n in expand_marker(mm.group(1))}
    if nums:
        return nums, f"the plan names {len(nums)} distinct [n] papers"
    return None, "the plan names no references"


def _titles_in_plan(plan: str, papers: list[Paper]) -> set[int]:
    pn = normalize_title(plan)
    return {i + 1 for i, p in enumerate(papers) if len(normalize_title(p.title)) >= 12
            and normalize_title(p.title) in pn}


def cited_positions(review: Review, task: Task | None, papers: list[Paper]) -> set[int]:
    """1-based positions in `papers` (the pool the generator saw) of the papers the review cites."""
    by_id = {p.id: i + 1 for i, p in enumerate(papers)}
    by_arxiv = {normalize_arxiv_id(p.arxiv_id or p.id): i + 1 for i, p in enumerate(papers)
                if normalize_arxiv_id(p.arxiv_id or p.id)}
    by_title = {normalize_title(p.title): i + 1 for i, p in enumerate(papers)}
    out: set[int] = set()
    for it in cited_items(review, task):
        for k in it.keys:  # cite_N keys name pool positions directly
            m = re.fullmatch(r"cite_(\d+)", k)
            if m and 1 <= int(m.group(1)) <= len(papers):
                out.add(int(m.group(1)))
        pos = (by_id.get(it.paper_id or "") or by_arxiv.get(normalize_arxiv_id(it.arxiv_id) or "")
               or by_title.get(normalize_title(it.title)))
        if pos:
            out.add(pos)
    return out


@scorer_family("plan", scores=SCORES, about=ABOUT)
def score_plan(resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
    """Adherence to the review's own plan (sections delivered, references used, word target); n/a without a plan."""
    review: Review = resolved.review
    if not (review.plan or "").strip():
        return [Score.na(n, "the review carries no plan") for n in NAMES]
    problem = link_problem(review, resolved.report)
    refs = Score.na("plan.references_used_rate", problem) if problem else _references(review, task)
    return [_sections(review, ctx), refs, *_targets(review)]


def _targets(review: Review) -> list[Score]:
    """plan.target_words, plan.words_ratio (delivered words / the plan's own target midpoint), plan.truncated."""
    t = plan_targets(review.plan or "")
    out: list[Score] = []
    if t.words_mid is None:
        why = "the plan states no word target (no total and no per-section word counts)"
        out += [Score.na("plan.target_words", why), Score.na("plan.words_ratio", why)]
    else:
        rng = f"{t.words_min}-{t.words_max}" if t.words_max != t.words_min else f"{t.words_min}"
        src = "its stated total" if t.words_source == "total" else f"the sum of {len(t.section_words)} section targets"
        out.append(Score.ok("plan.target_words", t.words_mid, f"the plan's own word target is {rng} words ({src})",
                            target_min=t.words_min, target_max=t.words_max, source=t.words_source,
                            section_words=t.section_words))
        words = count_words(review.text, marker_spans(review.citations))
        if t.words_mid <= 0:
            out.append(Score.na("plan.words_ratio", "the plan's word target is 0"))
        else:
            out.append(Score.ok("plan.words_ratio", words / t.words_mid,
                                f"{words} words delivered / the plan's target midpoint {t.words_mid:g}", words=words,
                                target_mid=t.words_mid))
    specified = len(plan_sections(review.plan or ""))
    fired, checked = plan_cut_signals(review, specified)
    out.append(Score.ok("plan.truncated", 1.0 if fired else 0.0,
                        ("the plan was cut: " + "; ".join(fired)) if fired else
                        "no sign the plan was cut (checked: " + ", ".join(checked) + ")", signals=fired, checked=checked,
                        announced_sections=t.announced_sections, specified_sections=specified,
                        announced_references=t.announced_references))
    return out


def _sections(review: Review, ctx) -> Score:
    name = "plan.sections_delivered_rate"
    promised = plan_sections(review.plan or "")
    if not promised:
        return Score.na(name, "the plan announces no numbered sections")
    if not review.sections:
        return Score.na(name, "the review has no headings to match the plan's sections against")
    matches = match_sections(promised, review, ctx)
    got = [p for p, h, _ in matches if h]
    return Score.ok(name, len(got) / len(promised),
                    f"{len(got)} of {len(promised)} plan sections appear as review headings with content under them",
                    matches=[{"plan": p, "review": h, "score": round(s, 3)} for p, h, s in matches])


def _references(review: Review, task: Task) -> Score:
    name = "plan.references_used_rate"
    papers = list(review.papers) or task.pool_papers()
    source = "the review's own paper list" if review.papers else "the task pool"
    promised, how = promised_references(review.plan or "", len(papers))
    if promised is None:
        titled = _titles_in_plan(review.plan or "", papers)
        if not titled:
            return Score.na(name, "the plan names no references (@cite_N, [n] or titles)")
        promised, how = titled, f"the plan names {len(titled)} paper titles"
    used = cited_positions(review, task, papers)
    hit = sorted(promised & used)
    beyond = sorted(p for p in promised if p > len(papers))
    return Score.ok(name, len(hit) / len(promised),
                    f"{len(hit)} of {len(promised)} promised references are cited ({how}; positions in {source})",
                    promised=len(promised), used=hit, not_in_pool=beyond[:50])
