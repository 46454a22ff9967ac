"""Which pool papers a generator is shown: all (seeded shuffle), top-k by BM25 or embeddings, or the k newest."""

from __future__ import annotations

import hashlib
import random
import re
from typing import Sequence

import numpy as np

from harness.generators.base import PoolSelection
from harness.models import Paper, Task
from harness.core.text import FUNCTION_WORDS

_TOKEN = re.compile(r"[a-z0-9]+")


def derive_seed(task_id: str, generator: str, seed: int) -> int:
    """A 31-bit seed from (task id, generator name, seed): results never depend on scheduling order."""
    digest = hashlib.sha256(f"{task_id}|{generator}|{seed}".encode()).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF


def paper_text(paper: Paper, abstract_chars: int = 400) -> str:
    """Title plus the start of the abstract: what relevance ranking looks at."""
    if paper.abstract:
        return f"{paper.title}. {paper.abstract[:abstract_chars]}"
    return paper.title


def select_pool(task: Task, selection: PoolSelection, rng_seed: int) -> list[Paper]:
    """The papers a generator sees, in the order it sees them (numbered [1..n] by the caller)."""
    papers = task.pool_papers()
    if selection.method == "all":
        out = list(papers)
        random.Random(rng_seed).shuffle(out)  # pool files may be grouped by role: never show that order
        return out
    if selection.method == "recent":
        return newest(papers, selection.k)
    if selection.method == "topk_bm25":
        return [papers[i] for i in rank_bm25(task.topic, papers)[: selection.k]]
    if selection.method == "topk_embedding":
        return [papers[i] for i in rank_embedding(task.topic, papers)[: selection.k]]
    raise ValueError(f"unknown pool selection method {selection.method!r}")


def newest(papers: Sequence[Paper], k: int) -> list[Paper]:
    """The k newest papers regardless of topic (year, then arXiv id, descending; unknown years last)."""
    def key(p: Paper) -> tuple:
        return (p.year if p.year is not None else -1, p.arxiv_id or "", p.id)
    return sorted(papers, key=key, reverse=True)[:k]


def tokenize(text: str) -> list[str]:
    """Lower-case alphanumeric tokens without function words (the BM25 analyser; no stemming)."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in FUNCTION_WORDS]


def rank_bm25(query: str, papers: Sequence[Paper]) -> list[int]:
    """Indices of papers by BM25 score of title+abstract against the query, best first (ties by position)."""
    import bm25s

    if not papers:
        return []
    corpus = [tokenize(paper_text(p)) or ["_empty_"] for p in papers]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    q = [t for t in tokenize(query)] or ["_empty_"]
    scores = np.asarray(retriever.get_scores(q), dtype=float)
    return sorted(range(len(papers)), key=lambda i: (-scores[i], i))


def relevance_embedding(query: str, papers: Sequence[Paper]) -> np.ndarray:
    """Cosine similarity of each paper (title+abstract) to the query with the shared MiniLM embedder."""
    from harness.embeddings.encoder import get_embedder  # lazy: loads the model once per process

    if not papers:
        return np.zeros(0, dtype=float)
    vecs = embed_papers(papers)
    q = np.asarray(get_embedder().encode([query]), dtype=float)[0]
    return vecs @ q


def pool_texts(tasks: Sequence[Task]) -> set[str]:
    """The texts generators embed for these tasks' papers (paper_text: embedding pool selection, the extractive
    baseline), so scripts/ship_embeddings.py can ship their vectors beside the scorers' (suite_texts)."""
    return {text for task in tasks for text in map(paper_text, task.papers) if text.strip()}


def embed_papers(papers: Sequence[Paper]) -> np.ndarray:
    """L2-normalised embeddings of papers' title+abstract (rows in paper order)."""
    from harness.embeddings.encoder import get_embedder

    return np.asarray(get_embedder().encode([paper_text(p) for p in papers]), dtype=float)


def rank_embedding(query: str, papers: Sequence[Paper]) -> list[int]:
    """Indices of papers by embedding similarity to the query, best first (ties by position)."""
    sims = relevance_embedding(query, papers)
    return sorted(range(len(papers)), key=lambda i: (-float(sims[i]), i))
