"""Reference-entry parsing: the entry shapes seen in real generator outputs."""

from __future__ import annotations

from harness.readers.references import (
    find_reference_block,
    numbering_problems,
    parse_entry,
)


def test_seed_style_authors_year_title_url():
    e = parse_entry("13", "[13] Irene Abril-Cabezas, Frank J. Qu et al. (2025). The Atacama Cosmology Telescope. "
                          "CMB Lensing from Daytime Data: A First Demonstration. http://arxiv.org/abs/2511.10620v2")
    assert e.title == "The Atacama Cosmology Telescope. CMB Lensing from Daytime Data: A First Demonstration"
    assert e.authors == ["Irene Abril-Cabezas", "Frank J. Qu"]
    assert (e.year, e.arxiv_id, e.url) == (2025, "2511.10620", "http://arxiv.org/abs/2511.10620v2")


def test_title_only_and_nd_italic_styles():
    assert parse_entry("5", "[5] CRUD-RAG  A Comprehensive Chinese Benchmark").title == "CRUD-RAG A Comprehensive Chinese Benchmark"
    e = parse_entry("1", "[1] Penghao Zhao,Hailin Zhang. (n.d.). *Retrieval-Augmented Generation: A Survey*")
    assert (e.title, e.authors, e.year) == ("Retrieval-Augmented Generation: A Survey", ["Penghao Zhao", "Hailin Zhang"], None)


def test_apa_style_with_arxiv_tag_and_doi():
    e = parse_entry("6", "[6] Devlin, J., Chang, M.-W., Lee, K., & Toutanova, K. (2018). BERT: Pre-training of deep "
                         "bidirectional transformers for language understanding. arXiv preprint arXiv:1810.04805.")
    assert e.title == "BERT: Pre-training of deep bidirectional transformers for language understanding"
    assert e.arxiv_id == "1810.04805" and e.year == 2018
    assert e.authors[0] == "Devlin, J" and len(e.authors) == 4
    d = parse_entry("7", "[7] Smith, A. (2020). A title. Journal. https://doi.org/10.1145/3292500.3330701.")
    assert d.doi == "10.1145/3292500.3330701"


def test_title_with_year_in_parentheses_is_not_split():
    assert parse_entry("2", "[2] GPT-4 Technical Report (2023)").title == "GPT-4 Technical Report (2023)"


def test_block_takes_last_heading_and_reports_numbering():
    text = "Body [1].\n\n## References\n\n[1] A\n[1] A again\n[4] D\n"
    block = find_reference_block(text)
    assert [e.key for e in block.entries] == ["1", "1", "4"]
    problems = numbering_problems(block.entries)
    assert problems == ["reference numbers repeated: 1", "reference numbering has gaps: missing 2, 3"]


def test_bare_trailing_list_without_heading():
    block = find_reference_block("Text [1] [2].\n\n[1] One\n[2] Two\n")
    assert block is not None and block.heading_line is None and len(block.entries) == 2
