"""What a review cites: one item per distinct cited paper (resolved) or reference entry/marker (unresolved)."""

from __future__ import annotations

from dataclasses import dataclass, field

import re

from harness.models import Paper, Review, Task, normalize_arxiv_id, normalize_title


@dataclass
class CitedItem:
    """A distinct thing the review cites: a resolved paper, or an unresolved reference entry / in-text key."""

    key: str  # the paper id when resolved, else "entry:<key>" or "marker:<key>"
    paper_id: str | None
    title: str | None
    abstract: str | None
    arxiv_id: str | None
    keys: list[str] = field(default_factory=list)  # review keys (reference numbers) naming it
    sentences: list[str] = field(default_factory=list)  # citing sentences (in text order, distinct)
    in_text: bool = False
    in_reference_list: bool = False
    own_paper: bool = False  # unresolved against the task but found in the review's own paper list (its title is
    # the review's claim; its abstract is never used)
    ref_class: str | None = None  # harness.papers.refclass class of the entry (or cite_N key) naming it


def own_paper_matcher(review: Review):
    """Match an unresolved reference (arXiv id, title) or cite_N key to the papers the review itself lists."""
    by_arxiv = {normalize_arxiv_id(p.arxiv_id or p.id): p for p in review.papers
                if normalize_arxiv_id(p.arxiv_id or p.id)}
    by_title = {normalize_title(p.title): p for p in review.papers}

    def match(arxiv_id: str | None, title: str | None, key: str | None = None) -> Paper | None:
        m = re.fullmatch(r"cite_(\d+)", key or "")
        if m and 1 <= int(m.group(1)) <= len(review.papers):
            return review.papers[int(m.group(1)) - 1]
        aid = normalize_arxiv_id(arxiv_id)
        if aid and aid in by_arxiv:
            return by_arxiv[aid]
        t = normalize_title(title)
        return by_title.get(t) if t else None

    return match


def paper_lookup(review: Review, task: Task | None):
    """Find a Paper by id in the task first, then among the papers the review itself lists."""
    own = {p.id: p for p in review.papers}

    def find(pid: str | None) -> Paper | None:
        if not pid:
            return None
        if task is not None:
            try:
                return task.paper(pid)
            except KeyError:
                pass
        return own.get(pid)

    return find


def cited_items(review: Review, task: Task | None, classes: dict[str, str] | None = None) -> list[CitedItem]:
    """Distinct cited items of a resolved review, merged by paper id.

    A review with body text cites what its text cites: reference entries never cited in the text (padding, or
    a completion-mode list of every paper shown) are not counted. A reference list without text (SurveyBench
    ref.json) cites its entries. `classes` (ResolutionReport.classes) gives cite_N keys their class.
    """
    find = paper_lookup(review, task)
    own = own_paper_matcher(review)
    items: dict[str, CitedItem] = {}
    entry_by_key = {e.key: e for e in review.references}

    def item_for(pid: str | None, fallback_key: str, title: str | None, arxiv: str | None,
                 cite_key: str | None = None) -> CitedItem:
        paper = find(pid)
        own_hit = None if paper else own(arxiv, title, cite_key)
        key = pid or (f"own:{own_hit.id}" if own_hit else fallback_key)
        it = items.get(key)
        if it is None:
            p = paper or own_hit
            it = CitedItem(key=key, paper_id=pid,
                           title=(p.title if p else None) or title,
                           abstract=paper.abstract if paper else None,  # the review's own list is no evidence
                           arxiv_id=(p.arxiv_id if p else None) or arxiv,
                           own_paper=own_hit is not None)
            items[key] = it
        return it

    for e in review.references:
        it = item_for(e.paper_id, f"entry:{e.key}", e.title, e.arxiv_id)
        it.in_reference_list = True
        it.ref_class = it.ref_class or e.ref_class
        for k in [e.key, *e.aliases]:
            if k not in it.keys:
                it.keys.append(k)
            entry_by_key.setdefault(k, e)
    for c in review.citations:
        for i, k in enumerate(c.keys):
            pid = c.paper_ids[i] if i < len(c.paper_ids) else None
            e = entry_by_key.get(k)
            if pid is None and e is not None:
                pid = e.paper_id
            if pid is None and e is None and not (k.startswith("cite_") and own(None, None, k)):
                continue  # dangling marker: counted by the validity scores, not a cited paper
            it = item_for(pid, f"entry:{e.key if e else k}", e.title if e else None, e.arxiv_id if e else None, k)
            it.in_text = True
            it.ref_class = it.ref_class or (e.ref_class if e else (classes or {}).get(k))
            if k not in it.keys:
                it.keys.append(k)
            if c.sentence and c.sentence not in it.sentences:
                it.sentences.append(c.sentence)
    if review.text.strip():
        return [it for it in items.values() if it.in_text]
    return list(items.values())
