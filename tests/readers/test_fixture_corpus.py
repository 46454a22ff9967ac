"""The fixture corpus: one file per citation-marker and reference-list style, with hand-counted expectations.

Counts were made by reading each file: `markers` = citation groups, `occurrences` = keys named (so "[2, 3]"
is one marker and two occurrences), `references` = entries (an entry sharing numbers "1 3 7 Title" is one),
`dangling` = distinct keys naming no entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.readers import read_review
from harness.papers.resolve import resolve_review

FIXTURES = Path(__file__).parent / "fixtures"

# file: (format, markers, occurrences, references, dangling, marker styles)
EXPECTED = {
    # [1] · [2, 3] · [4–6] · [Velickovic et al., 7] · [١]; "In [2023]" and "[2](http://…)" are not citations
    "numeric.md": ("markdown", 5, 8, 7, 0, {"numeric"}),
    # "capabilities 1 ." · "sources 6 11." · $3$ · $1$; list "1 3 7 …", "6 …", "11 …" under "Sources";
    # the run-together "Works cited" list is left out of the body; "Table 2." is not a citation
    "deep_research.md": ("markdown", 4, 5, 3, 0, {"bare", "math"}),
    # <sup>1</sup> · $^{2}$ · ^3 · ¹ · ²˒³ · 【4】 over a "1. Title" bibliography
    "superscript.md": ("markdown", 6, 7, 4, 0, {"superscript", "math", "numeric"}),
    # (Gilmer et al., 2017) · Kipf and Welling (2017) · (Velickovic et al., 2018; Xu and Hu, 2019) ·
    # (Wu, 2020a; Wu, 2020b) · Wu et al. (2021) · (Nobody et al., 2015) -> dangling "Nobody 2015"
    "author_year.md": ("markdown", 6, 8, 7, 1, {"author-year"}),
    # \cite{gilmer2017} · \citet{kipf2017} · \citep[see][]{velickovic2018,xu2019} · \citep{nokey2020};
    # the commented-out \cite is not read
    "latex.tex": ("latex", 4, 5, 4, 1, {"latex"}),
    # (3) · (4, 5); "(1) how …" and "(2) how …" are an enumeration
    "paren.md": ("markdown", 2, 3, 5, 0, {"paren"}),
    # [1] · [2] · [3] · [4]; three blog entries as "[n] Title [url](url)"
    "web.md": ("markdown", 4, 4, 4, 0, {"numeric"}),
    # [1] · [2] before 参考文献, [1] in the appendix after it (body text again)
    "cjk_appendix.md": ("markdown", 3, 3, 2, 0, {"numeric"}),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_counts(name: str) -> None:
    fmt, markers, occurrences, references, dangling, styles = EXPECTED[name]
    review = read_review(FIXTURES / name)
    report = resolve_review(review, []).report
    assert review.source_format == fmt
    assert len(review.citations) == markers, [c.marker for c in review.citations]
    assert sum(len(c.keys) for c in review.citations) == occurrences, [c.keys for c in review.citations]
    assert len(review.references) == references, [e.raw for e in review.references]
    assert len(report.dangling) == dangling, report.dangling
    assert {c.style for c in review.citations} == styles


def test_reference_sections_are_not_body_text() -> None:
    review = read_review(FIXTURES / "deep_research.md")
    assert "Works cited" not in review.text and "aclanthology" not in review.text
    assert "Sources" not in review.text
    assert review.text.rstrip().endswith("We trained for 12 epochs.")
    assert any("inside the text" in w for w in review.warnings)  # the written list is named, not used


def test_text_after_the_reference_list_is_body() -> None:
    review = read_review(FIXTURES / "cjk_appendix.md")
    assert "The appendix discusses" in review.text and "Neural Message Passing" not in review.text
    assert [s.title for s in review.sections][-1] == "Appendix"


def test_shared_numbers_name_one_entry() -> None:
    review = read_review(FIXTURES / "deep_research.md")
    first = review.references[0]
    assert (first.key, first.aliases) == ("1", ["3", "7"])
    assert first.arxiv_id == "2312.10997" and first.title == "Retrieval-Augmented Generation for Large Language Models"
    assert review.references[1].url == "https://aclanthology.org/2020.acl-main.450"


def test_author_year_links_by_surname_year_then_suffix() -> None:
    review = read_review(FIXTURES / "author_year.md")
    by_title = {e.key: e.title for e in review.references}
    linked = [[by_title.get(k, k) for k in c.keys] for c in review.citations]
    assert linked[3] == ["Simplifying graph convolutional networks", "A comprehensive survey on graph neural networks"]
    assert linked[4] == ["Graph pooling methods: a survey"]
    assert linked[5] == ["Nobody 2015"]


def test_latex_reads_bibtex_ids() -> None:
    review = read_review(FIXTURES / "latex.tex")
    by_key = {e.key: e for e in review.references}
    assert by_key["velickovic2018"].arxiv_id == "1710.10903"
    assert by_key["xu2019"].doi == "10.48550/arXiv.1810.00826"
    assert by_key["gilmer2017"].title == "Neural Message Passing for Quantum Chemistry"
    assert [s.title for s in review.sections] == ["A LaTeX review", "Introduction", "Outlook"]


def test_latex_bib_option_overrides_the_neighbour(tmp_path: Path) -> None:
    tex = tmp_path / "r.tex"
    tex.write_text((FIXTURES / "latex.tex").read_text(encoding="utf-8"), encoding="utf-8")
    assert read_review(tex).references == []
    assert len(read_review(tex, bib=FIXTURES / "latex.bib").references) == 4


def test_a_narrative_citation_keeps_its_whole_sentence() -> None:
    review = read_review(FIXTURES / "author_year.md")
    kipf = next(c for c in review.citations if c.marker.startswith("Kipf"))
    assert kipf.sentence == "Kipf and Welling (2017) simplified spectral filters."
    wu = next(c for c in review.citations if c.marker.startswith("Wu et al."))
    assert wu.sentence == "A survey of graph pooling by Wu et al. (2021) is also cited."


def test_non_bracket_markers_are_not_words() -> None:
    """Hand count of deep_research.md's body: 37 words once the markers are removed (42 with them)."""
    from harness.core.text import count_words, marker_spans

    review = read_review(FIXTURES / "deep_research.md")
    assert count_words(review.text) == 42  # + "1", "6", "11.", "$3$", "$1$" as tokens ("." alone is not a word)
    assert count_words(review.text, marker_spans(review.citations)) == 37
