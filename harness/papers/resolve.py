"""Reference resolution: match a review's reference entries and in-text markers to known papers.

Order per reference entry: arXiv id (version stripped) -> DOI -> exact normalised title -> fuzzy title
(rapidfuzz fuzz.ratio on normalised titles >= FUZZY_THRESHOLD, rejected when both years are known and
differ by more than YEAR_TOLERANCE) -> pooled arXiv ids (SurveyBench-style wider pool; matched by arXiv id
only, resolving to the id string itself). ReferenceEntry.match records how: "arxiv", "doi", "title",
"fuzzy:<score>", "pooled-arxiv".

`@cite_N` keys (LitLLM / Multi-XScience style) have no reference entries: key "cite_N" names the N-th paper
(1-based) of an ordered pool — the review's own paper list when it has one (what the generator saw), else the
`pool_order` given (for a task: `task.pool_papers()`), else `papers`. That paper is then matched to the
candidates like an entry.

Pure functions: inputs are never mutated; the returned review is a deep copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field, computed_field
from rapidfuzz import fuzz, process

from harness.models import Paper, Review, Task, normalize_arxiv_id, normalize_title
from harness.papers.refclass import classify, id_problem

REVIEW_TASK_BUILDER = "harness.tasks.from_review"  # provenance builder of a task made from a review's own list

# fuzz.ratio (0-100, order-sensitive edit similarity) on normalize_title() strings. 90 accepts small typos,
# plurals and hyphenation ("Atention is all you need", "Pre-training" vs "Pretraining", "A Survey on Visual
# Transformer" vs "A Survey of Visual Transformers"), and rejects different papers sharing most words in another
# order ("A Survey on Retrieval-Augmented Text Generation for Large Language Models" vs "Retrieval-Augmented
# Generation for Large Language Models: A Survey" scores 94 with token_sort_ratio, hence not that scorer).
FUZZY_THRESHOLD = 90
# Years may differ by one (preprint vs publication year); beyond that a fuzzy title match is rejected.
YEAR_TOLERANCE = 1
# Titles shorter than this (normalised characters) are only matched exactly: short strings fuzz too easily.
FUZZY_MIN_CHARS = 12

# An identifier matched to a paper whose title shares less than this with the reference's (rapidfuzz 0-100, best
# of token_set_ratio and partial_ratio, so "Authors. Title. Venue" still agrees) names another paper: a conflict.
CONFLICT_RATIO = 60

_CITE_KEY = re.compile(r"^cite_(\d+)$")
_DOI_IN_URL = re.compile(r"(10\.\d{4,9}/[^\s?#]+)")
_DOI_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)?(?:doi:\s*)?", re.IGNORECASE)


class ResolutionReport(BaseModel):
    """What resolution found: entry keys per outcome, marker keys without entries, and the key -> paper map."""

    resolved: list[str] = Field(default_factory=list, description="entry keys matched to a paper")
    unresolved: list[str] = Field(default_factory=list, description="entry keys matching no paper (likely hallucinated)")
    duplicates: list[str] = Field(default_factory=list,
                                  description="entry keys repeating an earlier entry (same paper or identical text)")
    duplicate_of: dict[str, str] = Field(default_factory=dict, description="duplicate key -> first entry's key")
    dangling: list[str] = Field(default_factory=list, description="distinct in-text keys with no reference entry")
    uncited: list[str] = Field(default_factory=list, description="entry keys never cited in the text")
    matches: dict[str, str] = Field(default_factory=dict, description="key -> resolved paper id (entries and cite_N)")
    classes: dict[str, str] = Field(default_factory=dict,
                                    description="entry key (and shared numbers, cite_N keys) -> reference class")
    cited_paper_ids: list[str] = Field(default_factory=list, description="distinct resolved papers cited in the text")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        return {"resolved": len(self.resolved), "unresolved": len(self.unresolved),
                "duplicates": len(self.duplicates), "dangling": len(self.dangling),
                "uncited": len(self.uncited)}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def class_counts(self) -> dict[str, int]:
        """Reference entries per class (shared numbers and cite_N keys counted once per entry/key)."""
        out: dict[str, int] = {}
        for c in self.entry_classes.values():
            out[c] = out.get(c, 0) + 1
        return out

    entry_classes: dict[str, str] = Field(default_factory=dict, description="entry key -> class (entries only)")
    verified_online: int = Field(0, description="references looked up online and answered (harness.papers.verify)")
    verification_ran: bool = Field(False, description="online verification ran on this review")


class ResolvedReview(BaseModel):
    """A review copy with paper ids filled in, plus the resolution report."""

    review: Review
    report: ResolutionReport


def _norm_doi(doi: str | None) -> str | None:
    if not doi:
        return None
    d = _DOI_PREFIX.sub("", doi.strip()).rstrip(".").lower()
    return d or None


def paper_doi(p: Paper) -> str | None:
    """A paper's DOI: its doi field, else one embedded in its URL (doi.org/…, dl.acm.org/doi/…)."""
    if p.doi:
        return _norm_doi(p.doi)
    m = _DOI_IN_URL.search(p.url or "")
    return _norm_doi(m.group(1)) if m else None


class PaperIndex:
    """Candidate papers indexed by arXiv id, DOI and normalised title; fuzzy lookups on titles."""

    def __init__(self, papers: Iterable[Paper], pooled_ids: Iterable[str] = ()):
        self.by_arxiv: dict[str, str] = {}
        self.by_doi: dict[str, str] = {}
        self.by_title: dict[str, str] = {}
        self.year: dict[str, int | None] = {}
        self.ids_of: dict[str, tuple[str | None, str | None, str]] = {}  # paper id -> (arXiv id, DOI, title)
        for p in papers:
            self.year.setdefault(p.id, p.year)
            own_aid = p.arxiv_id or normalize_arxiv_id(p.id)
            for aid in (p.arxiv_id, normalize_arxiv_id(p.id)):
                if aid:
                    self.by_arxiv.setdefault(aid, p.id)
            doi = paper_doi(p)
            if doi:
                self.by_doi.setdefault(doi, p.id)
            t = normalize_title(p.title)
            if t:
                self.by_title.setdefault(t, p.id)
            self.ids_of.setdefault(p.id, (own_aid, doi, t))
        self.pooled: set[str] = {a for a in (normalize_arxiv_id(x) for x in pooled_ids) if a}
        self._titles = list(self.by_title.keys())

    def match(self, arxiv_id: str | None, doi: str | None, title: str | None,
              year: int | None) -> tuple[str | None, str | None]:
        """(paper id, how) for one reference, or (None, None); (None, "conflict:<paper id>") when an identifier
        and the title name different papers (`contradicts`): a conflict is never a match."""
        aid = normalize_arxiv_id(arxiv_id)
        d = _norm_doi(doi)
        for pid, how in ((self.by_arxiv.get(aid or ""), "arxiv"), (self.by_doi.get(d or ""), "doi")):
            if pid:
                return (None, f"conflict:{pid}") if self.contradicts(pid, aid, d, title) else (pid, how)
        pid, how = self._by_title(title, year)
        if pid:
            return (None, f"conflict:{pid}") if self.contradicts(pid, aid, d, None) else (pid, how)
        if aid and aid in self.pooled:
            return aid, "pooled-arxiv"
        return None, None

    def _by_title(self, title: str | None, year: int | None) -> tuple[str | None, str | None]:
        for t, tag in _title_forms(title):
            if t in self.by_title:
                return self.by_title[t], "title" + tag
            if len(t) >= FUZZY_MIN_CHARS and self._titles:
                for choice, score, _ in process.extract(t, self._titles, scorer=fuzz.ratio,
                                                        score_cutoff=FUZZY_THRESHOLD, limit=3):
                    pid = self.by_title[choice]
                    pyear = self.year.get(pid)
                    if year and pyear and abs(year - pyear) > YEAR_TOLERANCE:
                        continue
                    return pid, f"fuzzy:{int(score)}" + tag
        return None, None

    def contradicts(self, pid: str, aid: str | None, doi: str | None, title: str | None) -> bool:
        """True when the reference's arXiv id is another than the paper's, or its title (three words or
        more) shares little with the paper's (best of token-set and partial ratio below CONFLICT_RATIO)."""
        p_aid, _, p_title = self.ids_of.get(pid, (None, None, ""))
        if aid and p_aid and aid != p_aid:  # one arXiv id per paper (DOIs are not compared: a paper may have two)
            return True
        t = normalize_title(title)
        if not t or not p_title or len(t.split()) < 3:
            return False
        return max(fuzz.token_set_ratio(t, p_title), fuzz.partial_ratio(t, p_title)) < CONFLICT_RATIO


_Index = PaperIndex  # the name other modules used before
_TRAILING_ACRONYM = re.compile(r"\s*\(([A-Za-z][\w\-+.]{0,19})\)\s*$")


def _title_forms(title: str | None) -> list[tuple[str, str]]:
    """Normalised title forms to try: as written, then without a trailing '(Acronym)' the writer appended
    ('Inception Transformer (iFormer)'), then 'Acronym: rest' ('CAT Cross Attention …' is 'CAT: …' normalised)."""
    t = normalize_title(title)
    if not t:
        return []
    out = [(t, "")]
    m = _TRAILING_ACRONYM.search(title or "")
    if m:
        bare = normalize_title(title[:m.start()])
        if bare and bare != t:
            out.append((bare, ":no-acronym"))
            out.append((normalize_title(f"{m.group(1)}: {title[:m.start()]}"), ":acronym-prefix"))
    return out


def _raw_key(raw: str) -> str:
    """Entry text without its leading [n] and with spacing/case normalised: identical-entry detection."""
    return re.sub(r"\s+", " ", re.sub(r"^\s*\[\d+\]\s*", "", raw)).strip().lower()


def resolve_review(review: Review, papers: Sequence[Paper], pooled_ids: Iterable[str] = (),
                   pool_order: Sequence[Paper] | None = None, *, index: PaperIndex | None = None,
                   known: PaperIndex | None = None, papers_are_task: bool = True,
                   scope: Scope | None = None) -> ResolvedReview:
    """Resolve a review's entries and citations against `papers` (+ pooled arXiv ids); returns a filled copy.

    Each entry (and each cite_N key) gets a class (`harness.papers.refclass`): `known` = matched by the `known`
    index (the harness's paper index) but not by `papers`. With papers_are_task=False (`papers` is the file's
    own list, as `harness inspect` without a task does), a match to `papers` is not evidence: such entries are
    classed by the known index and their identifiers like any other. `scope` says which papers are the task's
    bibliography (`in_task`) and pool (`in_pool`); an identifier no record can have (`refclass.id_problem`)
    is never a match."""
    # a copy of what resolving fills in (entries and citations): the review's text and sections are shared, read only
    out = review.model_copy(update={"references": [e.model_copy() for e in review.references],
                                    "citations": [c.model_copy() for c in review.citations]})
    index = index or PaperIndex(papers, pooled_ids)
    report = ResolutionReport()
    scope = scope if scope is not None or papers_are_task else Scope()
    key_to_paper = _resolve_entries(out, index, known, scope, report)
    ordered = list(out.papers) or list(pool_order if pool_order is not None else papers)
    _resolve_citations(out, ordered, key_to_paper, index, known, scope, report)
    return ResolvedReview(review=out, report=report)


def _resolve_entries(out: Review, index: PaperIndex, known: PaperIndex | None, scope: Scope | None,
                     report: ResolutionReport) -> dict[str, str | None]:
    """Match each reference entry (filled in place), record classes and duplicates; entry key/alias -> paper id."""
    first_for_paper: dict[str, str] = {}
    first_for_raw: dict[str, str] = {}
    key_to_paper: dict[str, str | None] = {}
    for entry in out.references:
        ref = Ref(entry.arxiv_id, entry.doi, entry.title, entry.year, [entry.url] if entry.url else [],
                  id_problem(entry.arxiv_id, entry.doi, entry.raw))
        pid, how, entry.ref_class = _match(ref, index, known, scope)
        entry.paper_id, entry.match = pid, how
        report.classes[entry.key] = entry.ref_class
        report.entry_classes.setdefault(entry.key, entry.ref_class)
        (report.resolved if pid else report.unresolved).append(entry.key)
        raw = _raw_key(entry.raw)
        first_key = first_for_paper.get(pid) if pid and pid in first_for_paper else first_for_raw.get(raw)
        if first_key is not None:
            report.duplicates.append(entry.key)
            report.duplicate_of[entry.key] = first_key
        if pid:
            first_for_paper.setdefault(pid, entry.key)
        if raw:
            first_for_raw.setdefault(raw, entry.key)
        for key in [entry.key, *entry.aliases]:
            if key not in key_to_paper:  # a repeated key cites its first entry
                key_to_paper[key] = pid
                report.classes.setdefault(key, entry.ref_class)
                if pid:
                    report.matches[key] = pid
    return key_to_paper


def _resolve_citations(out: Review, ordered: Sequence[Paper], key_to_paper: dict[str, str | None],
                       index: PaperIndex, known: PaperIndex | None, scope: Scope | None,
                       report: ResolutionReport) -> None:
    """Fill each citation's paper ids (entry keys, or cite_N naming the N-th paper of `ordered`) and the report's
    dangling, uncited and cited-paper lists."""
    dangling: dict[str, None] = {}
    cited_keys: set[str] = set()
    cited_papers: dict[str, None] = {}
    for cit in out.citations:
        ids: list[str | None] = []
        for key in cit.keys:
            cited_keys.add(key)
            if key in key_to_paper:
                pid = key_to_paper[key]
            else:
                pid, named = _cite_n(key, ordered, index, known, scope, report)
                if not named:
                    dangling[key] = None
            ids.append(pid)
            if pid:
                cited_papers[pid] = None
        cit.paper_ids = ids
    report.dangling = list(dangling)
    report.uncited = [e.key for e in out.references
                      if e.key not in cited_keys and not any(a in cited_keys for a in e.aliases)]
    report.cited_paper_ids = list(cited_papers)


def _cite_n(key: str, ordered: Sequence[Paper], index: PaperIndex, known: PaperIndex | None, scope: Scope | None,
            report: ResolutionReport) -> tuple[str | None, bool]:
    """(paper id or None, whether the key names a paper): a cite_N key names the N-th of `ordered`, matched like
    an entry (its class recorded); any other key names nothing (dangling)."""
    m = _CITE_KEY.match(key)
    n = int(m.group(1)) if m else 0
    if not (m and 1 <= n <= len(ordered)):
        return None, False
    p = ordered[n - 1]
    aid = p.arxiv_id or normalize_arxiv_id(p.id)
    pid, _, report.classes[key] = _match(Ref(aid, p.doi, p.title, p.year, [p.url] if p.url else [],
                                             id_problem(aid, p.doi)), index, known, scope)
    if pid:
        report.matches[key] = pid
    return pid, True


@dataclass(frozen=True)
class Scope:
    """What a task's papers are: its bibliography and its pool (ids). Empty: the papers are the review's own
    list, which is no evidence; None (the default) in resolve_review: every given paper is a task paper."""

    bibliography: frozenset[str] = frozenset()
    pool: frozenset[str] = frozenset()
    trusted_other: bool = False  # other given papers (a task file's wider set) are real papers: `known`


@dataclass(frozen=True)
class Ref:
    """The identifiers of one reference (an entry, or the pool paper a cite_N key names)."""

    arxiv_id: str | None
    doi: str | None
    title: str | None
    year: int | None
    urls: list[str]
    problem: str | None = None


def _match(ref: Ref, index: PaperIndex, known: PaperIndex | None, scope: Scope | None
           ) -> tuple[str | None, str | None, str]:
    """(paper id, how, class) of one reference: an identifier no record can have is never a match."""
    if ref.problem:
        return None, "invalid-id", _classify(ref, None, "invalid-id", known, scope)
    pid, how = index.match(ref.arxiv_id, ref.doi, ref.title, ref.year)
    return pid, how, _classify(ref, pid, how, known, scope)


def _classify(ref: Ref, pid: str | None, how: str | None, known: PaperIndex | None, scope: Scope | None) -> str:
    """The class (`harness.papers.refclass`) of one reference from its match and identifiers."""
    conflict = how.split(":", 1)[1] if how and how.startswith("conflict:") else None
    in_bib = in_pool = in_known = False
    if pid and how != "pooled-arxiv":
        if scope is None:
            in_bib = True
        else:
            in_bib, in_pool = pid in scope.bibliography, pid in scope.pool and pid not in scope.bibliography
            in_known = scope.trusted_other and not (in_bib or in_pool)
    elif pid:
        in_known = True
    if not (in_bib or in_pool or in_known or conflict or ref.problem) and known is not None:
        kpid, khow = known.match(ref.arxiv_id, ref.doi, ref.title, ref.year)
        in_known = kpid is not None
        if khow and khow.startswith("conflict:"):
            conflict = khow.split(":", 1)[1]
    why = f"its identifier and title name different papers (one is {conflict})" if conflict else None
    return classify(in_bib, in_known, ref.arxiv_id, ref.doi, ref.urls, in_pool=in_pool, conflict=why,
                    problem=ref.problem)[0]


_TASK_INDEX: dict[tuple, _Index] = {}


def _task_index(task: Task) -> _Index:
    """The task's paper index, built once per task (a task has up to a thousand papers; scoring resolves often)."""
    papers = task.papers
    key = (task.id, task.content_hash, len(papers), papers[0].id if papers else None,
           papers[-1].id if papers else None, len(task.pooled_reference_ids))
    if key not in _TASK_INDEX:
        if len(_TASK_INDEX) > 64:
            _TASK_INDEX.clear()
        _TASK_INDEX[key] = _Index(task.papers, task.pooled_reference_ids)
    return _TASK_INDEX[key]


def resolve_for_task(review: Review, task: Task, known: PaperIndex | None) -> ResolvedReview:
    """Resolve against a task: its papers (bibliography ∪ pool), its pooled ids; cite_N by the task's pool order.

    `known` is the known-paper index for the `known` class (`harness.papers.index.ScoringSuite.known()`), passed
    in by the caller; None: no reference is `known`."""
    scope = Scope(frozenset(task.reference_papers), frozenset(i.paper_id for i in task.pool),
                  trusted_other=task.provenance.get("builder") != REVIEW_TASK_BUILDER)
    return resolve_review(review, task.papers, task.pooled_reference_ids, pool_order=task.pool_papers(),
                          index=_task_index(task), known=known, scope=scope)
