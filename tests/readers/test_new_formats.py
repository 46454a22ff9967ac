"""Issue 27: STORM folders, OpenScholar JSON, inline-link citations, headless reference lines, superscripts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.models import Paper, PoolItem
from harness.readers import detect_format, parse_text, read_review
from harness.papers.resolve import resolve_for_task
from harness.scorers import FAMILIES, ScoringContext
from harness.tasks.suite import get_task

FIX = Path(__file__).parent / "fixtures"
STORM = FIX / "storm_taylor_hawkins"


def _linked_share(review) -> float:
    keys = {k for e in review.references for k in [e.key, *e.aliases]}
    cited = [k for c in review.citations for k in c.keys]
    return sum(k in keys for k in cited) / len(cited)


def _identified_share(review) -> float:
    return sum(bool(e.arxiv_id or e.doi or e.url) for e in review.references) / len(review.references)


def _task_with(papers: list[Paper]):
    """A shipped task whose bibliography is exactly `papers` (all reference papers, all in the pool)."""
    base = get_task("stfm-since-2024")
    return base.model_copy(update={"papers": papers, "reference_papers": [p.id for p in papers],
                                   "pool": [PoolItem(paper_id=p.id, role="reference") for p in papers],
                                   "pooled_reference_ids": []})


def test_storm_folder_real_sample():
    review = read_review(STORM)
    assert review.source_format == "storm"
    assert review.sources == ["storm_polished_article.txt", "url_to_info.json", "refine_outline.txt"]
    # url_to_info.json maps 5 URLs to 1..5; the article cites [1]..[5] 64 times (counted with grep)
    assert [e.key for e in review.references] == ["1", "2", "3", "4", "5"]
    assert len(review.citations) == 64
    assert _linked_share(review) == 1.0 and _identified_share(review) == 1.0
    info = json.loads((STORM / "url_to_info.json").read_text())
    url1 = next(u for u, n in info["url_to_unified_index"].items() if n == 1)
    assert review.references[0].url == url1 and review.references[0].title == info["url_to_info"][url1]["title"]
    assert review.plan and review.plan.startswith("# ")
    assert review.topic == "storm taylor hawkins"  # the folder's name (STORM names it after the topic)
    assert not review.warnings


def test_storm_article_file_with_info_beside_it_and_the_standard_names(tmp_path):
    shutil.copy(STORM / "storm_polished_article.txt", tmp_path / "storm_gen_article_polished.txt")
    shutil.copy(STORM / "url_to_info.json", tmp_path / "url_to_info.json")
    by_file = read_review(tmp_path / "storm_gen_article_polished.txt")
    by_folder = read_review(tmp_path)
    assert by_file.source_format == by_folder.source_format == "storm"
    assert len(by_file.references) == 5 and len(by_file.citations) == len(by_folder.citations) == 64


def test_storm_forced_on_an_article_of_another_name(tmp_path):
    shutil.copy(STORM / "storm_polished_article.txt", tmp_path / "article.md")
    shutil.copy(STORM / "url_to_info.json", tmp_path / "url_to_info.json")
    assert read_review(tmp_path / "article.md").source_format == "markdown"  # not detected by name
    forced = read_review(tmp_path / "article.md", format="storm")
    assert forced.source_format == "storm" and len(forced.references) == 5
    with pytest.raises(HarnessError, match="reads a STORM output folder"):
        parse_text("# T\n\nText [1].\n", format="storm")  # a text alone: no url_to_info.json to read


def test_storm_article_own_reference_list_is_replaced(tmp_path):
    (tmp_path / "storm_gen_article.txt").write_text(
        "# Topic\n\nAgents learn taxes [1] and tools [2].\n\n# References\n\n[1] Taxes paper\n[2] Tools paper\n")
    (tmp_path / "url_to_info.json").write_text(json.dumps({
        "url_to_unified_index": {"https://arxiv.org/abs/2108.02755": 1, "https://doi.org/10.1000/xyz": 2},
        "url_to_info": {"https://arxiv.org/abs/2108.02755": {"title": "The AI Economist"}}}))
    review = read_review(tmp_path)
    assert [(e.key, e.arxiv_id, e.doi) for e in review.references] == [
        ("1", "2108.02755", None), ("2", None, "10.1000/xyz")]
    assert "References" not in review.text
    assert any("replaced by url_to_info.json" in w for w in review.warnings)


def test_storm_bad_info_names_file_and_field(tmp_path):
    (tmp_path / "storm_gen_article.txt").write_text("# T\n\nText [1].\n")
    (tmp_path / "url_to_info.json").write_text('{"url_to_unified_index": {"https://a.org": "one"}}')
    with pytest.raises(HarnessError, match="not a number") as exc:
        read_review(tmp_path)
    assert "url_to_info.json" in str(exc.value) and "url_to_unified_index" in str(exc.value)


def test_a_folder_in_no_known_format(tmp_path):
    with pytest.raises(HarnessError, match="folder in no known format"):
        read_review(tmp_path)


def test_storm_coverage_against_a_task_holding_its_sources():
    review = read_review(STORM)
    papers = [Paper(id=f"web{e.key}", title=e.title, url=e.url) for e in review.references]
    papers.append(Paper(id="uncited", title="A paper the article never cites about drumming"))
    task = _task_with(papers)
    scores = {s.name: s for s in FAMILIES["coverage"](resolve_for_task(review, task, None), task, ScoringContext())}
    assert scores["coverage.recall"].status == "ok"
    assert scores["coverage.recall"].value == pytest.approx(5 / 6)  # 5 of the 6 bibliography papers cited


def test_openscholar_json():
    path = FIX / "openscholar" / "answer.json"
    assert detect_format(path.read_text(), path.name) == "openscholar"
    review = read_review(path)
    assert review.source_format == "openscholar"
    assert review.topic.startswith("How do retrieval-augmented")
    # [0]..[5] are 0-based ctxs positions; ctxs 0 and 3 are passages of the same paper: one entry, alias "3"
    assert [(e.key, e.aliases, e.arxiv_id) for e in review.references] == [
        ("0", ["3"], "2005.11401"), ("1", [], "2002.08909"), ("2", [], "2112.04426"),
        ("4", [], "2310.11511"), ("5", [], "2208.03299")]
    assert len(review.citations) == 6 and _linked_share(review) == 1.0 and _identified_share(review) == 1.0
    assert not review.warnings


def test_openscholar_real_output_without_citations():
    review = read_review(FIX / "openscholar" / "real_no_citations.json")
    assert review.source_format == "openscholar"
    assert review.topic == "What are the main advantages of retrieval-augmented generation over traditional " \
                           "language models?"
    assert review.text.startswith("It is possible to add value") and "Answer:" not in review.text
    assert not review.citations and not review.references  # a tiny model's answer that cites no passage


def test_openscholar_batch_file_reads_the_first_answer_with_a_warning():
    data = json.loads((FIX / "openscholar" / "answer.json").read_text())
    data["data"].append(data["data"][0])
    review = parse_text(json.dumps(data), name="out.json")
    assert review.source_format == "openscholar"
    assert "the file holds 2 answers; the first was read" in review.warnings


def test_inline_link_citations():
    review = read_review(FIX / "inline_links.md")
    assert review.source_format == "markdown"
    assert [e.key for e in review.references] == ["arxiv:2108.02755", "arxiv:1911.10635", "arxiv:2203.02155"]
    assert [c.keys for c in review.citations] == [["arxiv:2108.02755"], ["arxiv:2108.02755"],
                                                  ["arxiv:1911.10635"], ["arxiv:2203.02155"]]
    assert {c.style for c in review.citations} == {"link"}
    assert "Transformer" in review.text and "no reference list found" not in review.warnings
    assert _linked_share(review) == 1.0 and _identified_share(review) == 1.0


def test_inline_link_coverage_against_a_task_holding_the_papers():
    review = read_review(FIX / "inline_links.md")
    papers = [Paper(id="2108.02755", title="The AI Economist", arxiv_id="2108.02755"),
              Paper(id="1911.10635", title="Multi-Agent Reinforcement Learning: A Selective Overview",
                    arxiv_id="1911.10635"),
              Paper(id="1706.03762", title="Attention Is All You Need", arxiv_id="1706.03762"),
              Paper(id="2203.02155", title="Training language models to follow instructions with human feedback",
                    arxiv_id="2203.02155")]
    task = _task_with(papers)
    scores = {s.name: s for s in FAMILIES["coverage"](resolve_for_task(review, task, None), task, ScoringContext())}
    # 3 of the 4 cited; the Transformer link is prose, not a citation
    assert scores["coverage.recall"].status == "ok" and scores["coverage.recall"].value == pytest.approx(3 / 4)


def test_ordinary_links_stay_prose():
    text = ("We build on the [Transformer](https://arxiv.org/abs/1706.03762) and see [our blog]"
            "(https://example.com/post) for details.\n")
    review = parse_text(text, format="markdown")
    assert not review.citations and not review.references


def test_link_with_a_list_number_cites_that_entry_and_a_listed_work_is_not_repeated():
    text = ("Agents [[1](https://arxiv.org/abs/2108.02755)] and tools "
            "\\[[Schick et al. 2023](https://arxiv.org/abs/2302.04761v2)\\].\n\n## References\n\n"
            "[1] The AI Economist. https://arxiv.org/abs/2108.02755\n"
            "[2] Toolformer. arXiv:2302.04761\n")
    review = parse_text(text, format="markdown")
    assert [c.keys for c in review.citations] == [["1"], ["2"]]
    assert len(review.references) == 2


def test_headless_reference_lines_are_entries_not_prose(shared_dir):
    review = read_review(shared_dir / "data/outputs/surge-id/hallucination-nlg.md")
    assert "Ziwei Ji, Nayeon Lee" not in review.text  # the 5 loose lines [2]..[6] after a section
    assert any(w.startswith("5 reference lines without a references heading (from line 96") for w in review.warnings)
    assert len(review.references) == 41  # the final "References:" list is the one used
    assert not any("Ziwei Ji" in c.sentence for c in review.citations)


def test_headless_reference_lines_without_any_heading():
    text = ("# Survey\n\nHallucination is common [1]. Metrics differ [2].\n\n"
            "[1] Ziwei Ji, Nayeon Lee. (n.d.). *Survey of Hallucination in Natural Language Generation*.\n\n"
            "## Metrics\n\nBLEU is weak [2].\n\n"
            "[2] Kishore Papineni, Salim Roukos. (2002). *BLEU: a Method for Automatic Evaluation*.\n\n"
            "## End\n\n[3] showed (2020) that this is hard.\n")
    review = parse_text(text, format="markdown")
    assert [e.key for e in review.references] == ["1", "2"]
    assert any("2 reference lines without a references heading" in w for w in review.warnings)
    assert "[3] showed (2020) that this is hard." in review.text  # a sentence opening with a marker stays prose
    assert "Ziwei" not in review.text and "Papineni" not in review.text


@pytest.mark.parametrize("text,keys", [
    ("Segmentation came later ⁷ and video last.", [["7"]]),
    ("Segmentation came later⁷ and video ¹²˒¹³.", [["7"], ["12", "13"]]),
    ("⁷ Opening superscript.", [["7"]]),
    ("Detection⁽³⁾ and tracking¹⁻³.", [["3"], ["1", "2", "3"]]),
    ("A power 10⁵ is not a citation, nor is x²⁰⁰.", []),
])
def test_unicode_superscripts_where_the_list_holds_them(text, keys):
    refs = "\n".join(f"{i}. Paper {i}" for i in range(1, 14))
    review = parse_text(f"# T\n\n{text}\n\n## References\n\n{refs}\n", format="markdown")
    assert [c.keys for c in review.citations] == keys


def test_looping_run_on_is_folded_with_a_warning():
    text = "# Loop\n\n" + "loop [1] " * 1000 + "\n\n## References\n\n[1] A paper\n"
    review = parse_text(text, format="markdown")
    assert len(review.citations) == 5  # REPEATS_KEPT identical markers of a sentence
    assert len(review.citations[0].sentence) == 4000  # a run-on sentence is kept as its start
    assert any(w.startswith("995 citation markers repeat the same works") for w in review.warnings)
    two = parse_text("# T\n\nA [1] and B [1] and C [1].\n\n## References\n\n[1] A paper\n", format="markdown")
    assert len(two.citations) == 3 and not two.warnings  # ordinary repeats are all counted
