"""Offline baselines (deterministic, no LLM): extractive (k most topic-relevant pool papers) and recent_papers
(k newest regardless of topic, the seed's failure mode), both written by the same keyword writer: each paper gets
one templated note in the baseline's own words (`paper_notes`), never a pasted title or abstract sentence, so the
baseline is a floor an LLM should beat, not a copier the degeneracy scores would rightly rank with the controls."""

from __future__ import annotations

import time
from collections import Counter
from typing import Sequence

import numpy as np

from harness.generators import generator_kind
from harness.generators.base import Generation, GeneratorSpec, LLMClient
from harness.generators.paper_notes import TITLE_STOP, common_title_words, distinctive_terms, note
from harness.generators.pool_select import (embed_papers, newest, rank_bm25, relevance_embedding,
                                            tokenize)
from harness.generators.prompting import reference_list
from harness.generators.recording import reply_flags
from harness.generators.strategies import title_of
from harness.models import Paper, Task, Usage

def kmeans(vecs: np.ndarray, n_clusters: int, iters: int = 25) -> list[int]:
    """Deterministic k-means: farthest-point initialisation from row 0 (the most relevant paper), then Lloyd."""
    n = len(vecs)
    n_clusters = max(1, min(n_clusters, n))
    centers = [0]
    dist = np.full(n, np.inf)
    for _ in range(1, n_clusters):
        dist = np.minimum(dist, 1.0 - vecs @ vecs[centers[-1]])
        centers.append(int(np.argmax(dist)))
    c = vecs[centers].copy()
    labels = np.zeros(n, dtype=int)
    for _ in range(iters):
        new = np.argmax(vecs @ c.T, axis=1)
        if _ and np.array_equal(new, labels):
            break
        labels = new
        for j in range(n_clusters):
            members = vecs[labels == j]
            if len(members):
                m = members.mean(axis=0)
                c[j] = m / (np.linalg.norm(m) or 1.0)
    return [int(x) for x in labels]


def section_title(papers: Sequence[Paper], all_papers: Sequence[Paper]) -> str:
    """A heading from the words most typical of a cluster's titles (frequent here, rarer elsewhere)."""
    here = Counter(w for p in papers for w in set(tokenize(p.title)) if w not in TITLE_STOP and len(w) > 2
                   and not w.isdigit())
    overall = Counter(w for p in all_papers for w in set(tokenize(p.title)))
    scored = sorted(here, key=lambda w: (-(here[w] / (1 + overall[w] - here[w])), -here[w], w))
    words = scored[:3]
    if not words:
        return "Further work"
    return "Work on " + (", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0])


def write_extractive(task: Task, papers: list[Paper], vecs: np.ndarray, n_sections: int,
                     title: str | None = None) -> str:
    """Markdown review: intro, one section per cluster (one templated note per paper, `paper_notes`), conclusion,
    [n] Title list. No sentence is pasted from a title or an abstract."""
    labels = kmeans(vecs, n_sections)
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, []).append(i)
    ordered = sorted(groups.values(), key=lambda idx: min(idx))
    number = {}
    for idx in ordered:
        for i in idx:
            number[i] = len(number) + 1
    refs = [papers[i] for idx in ordered for i in idx]
    terms, common = distinctive_terms(papers), common_title_words(papers)
    lines = [f"# {title or title_of(task.topic)}", "", "## 1 Introduction", "",
             f"This review collects {len(papers)} papers on the topic: {task.topic.rstrip('.')}. "
             f"They are grouped into {len(ordered)} themes by the similarity of their titles and abstracts; "
             "for each paper, a note in fixed wording states the kind of contribution, the subject its title names "
             "and the terms that set its abstract apart from the others.", ""]
    for s, idx in enumerate(ordered, 2):
        lines += [f"## {s} {section_title([papers[i] for i in idx], papers)}", ""]
        lines.append(" ".join(note(papers[i], number[i], terms[i], v, common) for v, i in enumerate(idx)))
        lines.append("")
    lines += [f"## {len(ordered) + 2} Conclusion", "",
              f"The {len(papers)} papers above cover {len(ordered)} themes of the topic; "
              "this keyword summary states what each paper sets out to do and makes no comparison.", "",
              "## References", "", reference_list(refs), ""]
    return "\n".join(lines)


@generator_kind("extractive", calls_provider=False)
class ExtractiveGenerator:
    """extractive: the k pool papers most relevant to the topic (MiniLM, or BM25 with params.relevance=bm25)."""

    select = "relevant"

    def __init__(self, spec: GeneratorSpec):
        self.spec = spec

    def choose(self, task: Task) -> list[Paper]:
        pool = task.pool_papers()
        k = self.spec.k
        if self.select == "recent":
            return newest(pool, k)
        if self.spec.params.get("relevance", "embedding") == "bm25":
            return [pool[i] for i in rank_bm25(task.topic, pool)[:k]]
        sims = relevance_embedding(task.topic, pool)
        return [pool[i] for i in sorted(range(len(pool)), key=lambda i: (-float(sims[i]), i))[:k]]

    async def generate(self, task: Task, seed: int, client: LLMClient | None = None) -> Generation:
        """Write the review (the seed is not used: the baseline is deterministic)."""
        from harness.readers import parse_text

        start = time.perf_counter()
        papers = self.choose(task)
        n_sections = int(self.spec.params.get("sections", max(2, min(6, round(len(papers) / 5)))))
        vecs = embed_papers(papers) if papers else np.zeros((0, 1))
        md = write_extractive(task, papers, vecs, n_sections)
        review = parse_text(md, format="markdown")
        wall = time.perf_counter() - start
        review = review.model_copy(update={
            "topic": task.topic,
            "usage": Usage(input_tokens=0, output_tokens=0, cost_usd=0.0, cost_source="offline", latency_s=wall)})
        return Generation(task_id=task.id, generator=self.spec.name, seed=seed, review=review,
                          flags=reply_flags(review), latency_s=wall)


@generator_kind("recent_papers", calls_provider=False)
class RecentPapersGenerator(ExtractiveGenerator):
    """recent_papers: the k newest pool papers regardless of topic, same writer (a negative control)."""

    select = "recent"


__all__ = ["ExtractiveGenerator", "RecentPapersGenerator", "write_extractive", "kmeans", "section_title"]
