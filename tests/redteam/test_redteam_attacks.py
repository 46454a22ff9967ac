"""Issue 26's attacks, each against T (rag-llm-survey), with the verdict the harness must now give."""

from __future__ import annotations

from harness.models import Review

from .conftest import refs

FILLER = "This line of research continues to attract attention and remains important for the community."


def _bib(task, n=None, with_abstract=False):
    papers = [task.paper(pid) for pid in task.reference_papers]
    papers = [p for p in papers if p.abstract] if with_abstract else papers
    return papers[:n] if n else papers


def test_bibliography_listed_with_38_words_of_prose_covers_nothing_in_substance(task, score):
    bib = _bib(task)
    prose = ("Retrieval-augmented generation couples a retriever with a language model so that answers rest on "
             "documents fetched at inference time; this review gathers the work on retrievers, generators, "
             "training and evaluation in one place")
    s = score(f"# RAG\n\n## Overview\n\n{prose} [1-{len(bib)}].\n\n## References\n\n{refs(bib)}\n", task)
    assert s["coverage.recall"].value == 1.0  # the plain count, kept beside: a dump reaches every paper
    assert s["coverage.substantive_recall"].value == 0.0
    assert s["coverage.substantive_precision"].value == 0.0
    assert s["degeneracy.dumped_citations"].value == 1.0
    assert s["length.in_target"].value == 0.0


def test_4800_words_of_one_filler_sentence_are_not_length(task, score):
    p = _bib(task, 1)[0]
    body = f"Retrieval grounds the answers of language models in fetched documents [1]. " + " ".join(
        [FILLER] * 370)
    s = score(f"# RAG\n\n## Body\n\n{body}\n\n## References\n\n{refs([p])}\n", task)
    assert s["length.words"].value >= 4800  # the raw count is kept
    assert s["length.in_target"].value == 0.0 and "repeated or copied sentences not counted" in s["length.in_target"].explanation
    assert s["degeneracy.repeated_sentences"].value == 369 / 371
    assert s["degeneracy.compressibility"].value > 0.95


def test_one_paragraph_repeated_41_times(task, score):
    papers = _bib(task, 3, with_abstract=True)
    para = (f"Dense retrievers such as {papers[0].title.split(':')[0]} index passages as vectors [1]. Generators "
            f"then condition on the top passages when they answer questions [2]. Evaluation compares answers "
            f"with references and checks faithfulness to sources [3].")
    s = score("# RAG\n\n## Body\n\n" + "\n\n".join([para] * 41) + f"\n\n## References\n\n{refs(papers)}\n", task)
    assert s["length.in_target"].value == 0.0
    assert s["degeneracy.repeated_sentences"].value == 40 / 41
    dumped = s["degeneracy.dumped_citations"]
    assert dumped.value >= 120 / 123 and "repeat of an earlier sentence (120)" in dumped.explanation
    support = s["citations.support_rate"]
    assert support.status != "ok" or support.details["sentences"] == 123  # each occurrence judged, not 3


def test_outline_headings_with_no_text(task, score):
    outline = "\n\n".join(f"## {h.split('>')[-1].strip()}" for h in task.reference_survey.outline)
    s = score(f"# RAG\n\n{outline}\n", task)
    assert s["coverage.heading_soft_recall"].value == 0.0  # was 0.965
    assert s["degeneracy.empty_sections"].value == 1.0
    assert s["length.in_target"].value == 0.0


def test_titles_pasted_as_sentences(task, score):
    papers = _bib(task, 40)
    body = " ".join(f"{p.title.rstrip('.')} [{n}]." for n, p in enumerate(papers, 1))
    s = score(f"# RAG\n\n## Body\n\n{body}\n\n## References\n\n{refs(papers)}\n", task)
    assert s["degeneracy.copied"].value == 1.0 and s["degeneracy.copied"].details["from_title"] == 40
    assert s["coverage.substantive_recall"].value == 0.0
    assert s["degeneracy.dumped_citations"].value == 1.0


def test_stub_llm_work_on_title_is_discussed_here(task, score):
    """The stub LLM's text over the pool it is shown: "Work on <title> is discussed here [n]." per paper."""
    pool = task.pool_papers()[:20]
    body = " ".join(f"Work on {p.title.rstrip('.')} is discussed here [{n}]." for n, p in enumerate(pool, 1))
    s = score(f"# RAG\n\n## Body\n\n{body}\n\n## References\n\n{refs(pool)}\n", task)
    assert s["degeneracy.copied"].value == 1.0
    assert s["coverage.substantive_recall"].value == 0.0 and s["coverage.substantive_precision"].value == 0.0
    assert s["degeneracy.dumped_citations"].value == 1.0  # three words of its own beyond each title


def test_plan_sections_delivered_as_empty_headings(task, score):
    plan = "## 1. Retrievers\n## 2. Generators\n## 3. Evaluation\n"
    text = "# RAG\n\n## Retrievers\n\n## Generators\n\n## Evaluation\n"
    s = score(Review(source_format="markdown", text=text, plan=plan,
                     sections=[], citations=[]).model_copy(update={"sections": _sections(text)}), task, ["plan"])
    assert s["plan.sections_delivered_rate"].value == 0.0  # was 1.0


def _sections(text):
    from harness.models import Section
    from harness.core.text import headings

    return [Section(level=lv, title=t, offset=o) for lv, t, o in headings(text)]


def test_27_invented_titles_with_impossible_arxiv_ids(task, score):
    titles = [f"Adaptive Retrieval-Augmented Generation with Graph Memory, Part {chr(65 + i)}" for i in range(27)]
    body = " ".join(f"Retrieval with graph memory improves grounded answers [{i + 1}]." for i in range(27))
    ref = "\n".join(f"[{i + 1}] {t}. arXiv:2411.{90000 + i}" for i, t in enumerate(titles))
    s = score(f"# RAG\n\n## Body\n\n{body}\n\n## References\n\n{ref}\n", task)
    assert s["citations.invalid_ids"].value == 27
    assert s["citations.valid_rate"].value == 0.0  # was 1.0
    assert s["citations.on_topic_rate"].status == "not_applicable"  # was 0.93: invented ids are never judged
    assert s["citations.support_rate"].status == "not_applicable"


def test_fake_dois(task, score):
    body = "Retrieval improves answers [1]. Rerankers improve retrieval [2]. Caches speed up retrieval [3]."
    ref = ("[1] Retrieval for Everyone. https://doi.org/10.12/abc\n"  # registrant too short: impossible shape
           "[2] Reranking at Scale. doi:10.1234/\n"  # no suffix
           "[3] Cached Retrieval Pipelines. https://doi.org/10.5555/rag.2024.0173\n")  # well formed: unverified
    s = score(f"# RAG\n\n## Body\n\n{body}\n\n## References\n\n{ref}", task)
    classes = s["citations.unresolved"].details["classes"]
    assert classes.get("invalid_id") == 2 and s["citations.invalid_ids"].value == 2
    assert s["citations.unverified"].value == 1  # identified, unverified: --verify-online settles it


def test_title_near_a_real_paper_with_a_conflicting_id_is_no_hit(task, score):
    real = task.paper("2305.14283")
    near = real.title.replace("for", "For").rstrip(".") + "s"
    body = "Rewriting the query before retrieval helps the reader model answer [1]."
    for aid, cls in (("2411.90002", "invalid_id"), ("1706.03762", "conflict"), ("2309.17777", "conflict")):
        s = score(f"# RAG\n\n## Body\n\n{body}\n\n## References\n\n[1] {near}. arXiv:{aid}\n", task)
        assert s["coverage.recall"].value == 0.0, aid  # was a hit for 2305.14283
        assert s["citations.unresolved"].details["classes"] == {cls: 1}, aid
        assert s["citations.valid_rate"].value == 0.0


def test_invented_papers_used_entries_without_a_task(score):
    from harness.readers import parse_text
    from harness.tasks.from_review import task_from_review

    titles = [f"Retrieval-Augmented Generation Benchmark Study Number {chr(65 + i)}" for i in range(20)]
    body = " ".join(f"Retrieval helps question answering in setting {chr(65 + i)} [{i + 1}]." for i in range(20))
    text = ("# Literature Review Report\n\n## Topic\n\nretrieval-augmented generation\n\n## Literature Review\n\n"
            f"{body}\n\n## References\n\n" + "\n".join(f"[{i + 1}] {t}" for i, t in enumerate(titles))
            + "\n\n## Papers Used (20 papers)\n\n" + "\n".join(
                f"{i + 1}. **{t}**\n   - Abstract: Retrieval helps question answering in setting {chr(65 + i)}.\n"
                for i, t in enumerate(titles)))
    review = parse_text(text, format="litreview-report")
    assert len(review.papers) == 20
    s = score(review, task_from_review(review, "attack.md"))
    assert s["citations.valid_rate"].value == 0.0  # was 1.0
    assert s["citations.unidentified"].value == 20
    assert s["citations.in_task_rate"].value == 0.0  # was 1.0
    # relevance is not existence (issue 24): the titles are judged on topic, but among identified references there
    # is nothing to judge, and the 20 are counted as unidentified above
    assert s["citations.on_topic_rate_identified"].status == "not_applicable"  # was 1.0
    assert s["citations.support_rate"].status == "not_applicable"  # the file's own abstracts are no evidence


def test_file_supplied_abstracts_with_a_task(task, score):
    from harness.readers import parse_text

    body = "Graph memory makes retrieval exact for multi-hop questions [1]."
    text = ("# Literature Review Report\n\n## Topic\n\nrag\n\n## Literature Review\n\n" + body +
            "\n\n## References\n\n[1] Graph Memory for Exact Multi-hop Retrieval\n\n## Papers Used (1 papers)\n\n"
            "1. **Graph Memory for Exact Multi-hop Retrieval**\n   - Abstract: " + body.replace(" [1]", "") + "\n")
    s = score(parse_text(text, format="litreview-report"), task)
    assert s["citations.support_rate"].status == "not_applicable"  # was 1.0 with valid 0
    assert s["citations.unverifiable"].value == 1


def test_citing_15_pool_distractors_is_not_in_task(task, score):
    distractors = [task.paper(i.paper_id) for i in task.pool if i.role == "off-topic"]
    assert len(distractors) == 15
    body = " ".join(f"Study {n} is relevant to retrieval [{n}]." for n in range(1, 16))
    s = score(f"# RAG\n\n## Body\n\n{body}\n\n## References\n\n{refs(distractors)}\n", task)
    assert s["citations.in_task_rate"].value == 0.0  # was 1.0
    assert s["citations.unresolved"].details["classes"] == {"in_pool": 15}
    assert s["citations.valid_rate"].value == 1.0  # real papers, just not the field's


def test_one_sentence_repeated_with_30_citations_is_judged_30_times(task, score):
    papers = _bib(task, 30, with_abstract=True)
    sentence = "Retrieval-augmented generation grounds language model answers in retrieved documents"
    body = " ".join(f"{sentence} [{n}]." for n in range(1, 31))
    s = score(f"# RAG\n\n## Body\n\n{body}\n\n## References\n\n{refs(papers)}\n", task, ["citations"])
    rate = s["citations.support_rate"]
    assert rate.details["sentences"] == 30  # was "1 of 1"
    assert rate.value < 1.0
