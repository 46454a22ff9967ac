"""Reference resolution: match order, fuzzy threshold with year check, duplicates, dangling and uncited."""

from __future__ import annotations

from harness.models import Citation, Paper, ReferenceEntry, Review
from harness.papers.resolve import FUZZY_THRESHOLD, resolve_review

PAPERS = [
    Paper(id="1706.03762", title="Attention Is All You Need", arxiv_id="1706.03762", year=2017),
    Paper(id="t-bert", title="BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
          doi="10.18653/v1/N19-1423", year=2019),
    Paper(id="2312.10997", title="Retrieval-Augmented Generation for Large Language Models: A Survey",
          arxiv_id="2312.10997", year=2023),
]


def review_with(entries, cited_keys=()):
    return Review(source_format="markdown", text="x",
                  references=[ReferenceEntry(key=k, raw=f"[{k}] {raw}", **kw) for k, raw, kw in entries],
                  citations=[Citation(sentence="s", marker=f"[{k}]", keys=[k]) for k in cited_keys])


def matches(review, papers=PAPERS, **kw):
    out = resolve_review(review, papers, **kw)
    return [(e.key, e.paper_id, e.match) for e in out.review.references], out.report


def test_match_order_arxiv_doi_title():
    got, report = matches(review_with([
        ("1", "a", {"arxiv_id": "1706.03762v7", "title": "Attention is all you need (the Transformer)"}),
        ("2", "b", {"doi": "https://doi.org/10.18653/V1/N19-1423"}),
        ("3", "c", {"title": "retrieval augmented generation for large language models - a survey"}),
    ]))
    assert got == [("1", "1706.03762", "arxiv"), ("2", "t-bert", "doi"), ("3", "2312.10997", "title")]
    assert report.resolved == ["1", "2", "3"] and report.counts["unresolved"] == 0


def test_fuzzy_near_miss_resolves_and_different_title_does_not():
    got, report = matches(review_with([
        ("1", "a", {"title": "Atention is all you need", "year": 2017}),
        ("2", "b", {"title": "A Survey on Retrieval-Augmented Text Generation for Large Language Models"}),
        ("3", "c", {"title": "RoBERTa: A Robustly Optimized BERT Pretraining Approach"}),
    ]))
    assert got[0][1] == "1706.03762" and got[0][2].startswith("fuzzy:")
    assert int(got[0][2].split(":")[1]) >= FUZZY_THRESHOLD
    assert got[1][1] is None and got[2][1] is None  # same words in another order is another paper
    assert report.unresolved == ["2", "3"]


def test_fuzzy_match_rejected_when_years_differ():
    got, _ = matches(review_with([("1", "a", {"title": "Atention is all you need", "year": 2021})]))
    assert got == [("1", None, None)]
    got, _ = matches(review_with([("1", "a", {"title": "Atention is all you need", "year": 2018})]))
    assert got[0][1] == "1706.03762"  # one year apart is tolerated


def test_pooled_ids_match_by_arxiv_only_and_resolve_to_the_id():
    got, _ = matches(review_with([("1", "a", {"arxiv_id": "2401.09999v2"}), ("2", "b", {"title": "Pooled"})]),
                     pooled_ids=["2401.09999"])
    assert got == [("1", "2401.09999", "pooled-arxiv"), ("2", None, None)]


def test_duplicates_dangling_uncited_and_citation_ids():
    review = review_with([
        ("1", "Attention Is All You Need", {"title": "Attention Is All You Need"}),
        ("2", "Vaswani (2017). Attention is all you need!", {"title": "Attention is all you need!"}),
        ("3", "Made up", {"title": "A Hallucinated Paper"}),
        ("4", "Another made up", {"title": "Another made up"}),
    ], cited_keys=["1", "3", "7"])
    out = resolve_review(review, PAPERS)
    r = out.report
    assert r.duplicates == ["2"] and r.duplicate_of == {"2": "1"}
    assert r.dangling == ["7"] and r.uncited == ["2", "4"]
    assert [c.paper_ids for c in out.review.citations] == [["1706.03762"], [None], [None]]
    assert r.cited_paper_ids == ["1706.03762"]
    assert r.counts == {"resolved": 2, "unresolved": 2, "duplicates": 1, "dangling": 1, "uncited": 2}


def test_identical_raw_entries_are_duplicates_even_unresolved():
    _, report = matches(review_with([("1", "Ghost paper", {}), ("2", "Ghost  paper", {})]))
    assert report.duplicates == ["2"] and report.unresolved == ["1", "2"]


def test_inputs_are_not_mutated():
    review = review_with([("1", "a", {"arxiv_id": "1706.03762"})], cited_keys=["1"])
    before = review.model_dump()
    out = resolve_review(review, PAPERS)
    assert review.model_dump() == before
    assert out.review.references[0].paper_id == "1706.03762" and review.references[0].paper_id is None


def test_resolve_for_task_uses_pool_order_for_cite_n():
    from harness.models import PoolItem, ReferenceSurvey, RefRange, Task, WordRange
    from harness.papers.resolve import resolve_for_task

    task = Task(id="t", topic="x", target_words=WordRange(min=1, max=2), target_references=RefRange(min=1),
                reference_survey=ReferenceSurvey(title="S"), papers=PAPERS, reference_papers=["1706.03762"],
                pool=[PoolItem(paper_id="2312.10997", role="topical"), PoolItem(paper_id="1706.03762", role="reference")])
    review = Review(source_format="cite-n", text="x",
                    citations=[Citation(sentence="s", marker="@cite_1", keys=["cite_1"]),
                               Citation(sentence="s", marker="@cite_3", keys=["cite_3"])])
    out = resolve_for_task(review, task, None)
    assert [c.paper_ids for c in out.review.citations] == [["2312.10997"], [None]]
    assert out.report.dangling == ["cite_3"]
