"""Strategy helpers: outline parsing, section assignment, renumbering into one merged reference list."""

from __future__ import annotations

from harness.generators.strategies import (STRATEGIES, assign_by_overlap, default_mode, parse_outline,
                                           renumber, title_of)
from harness.generators.base import GeneratorSpec
from harness.models import Paper


def test_every_strategy_is_documented_with_its_source():
    for name, fn in STRATEGIES.items():
        assert fn.__doc__ and fn.__doc__.startswith(name + ":"), name
        assert any(src in fn.__doc__ for src in ("AutoSurvey", "LitLLM", "STORM", "ALCE", "SurGE")), name


def test_parse_outline_reads_chat_and_completion_outlines():
    chat = "## 1 Introduction\nPapers: [1], [2]\n## 2 Dense retrievers (~300 words)\nPapers: [3-5]\n## Conclusion\n"
    assert parse_outline(chat, 4) == [("Introduction", [1, 2]), ("Dense retrievers", [3, 4]), ("Conclusion", [])]
    completion = "1. Introduction\n2. Retrieval\n3. Generation\n4. Retrieval\n"
    assert [t for t, _ in parse_outline(completion, 3)] == ["Introduction", "Retrieval", "Generation"]
    assert parse_outline("%%%", 3) == [] or len(parse_outline("%%%", 3)) < 2


def test_assign_by_overlap_puts_each_paper_in_one_body_section():
    papers = [Paper(id="a", title="Dense passage retrieval"), Paper(id="b", title="Generation with memory"),
              Paper(id="c", title="Unrelated physics")]
    out = assign_by_overlap(["Introduction", "Retrieval methods", "Generation", "Conclusion"], papers)
    assert 1 in out[1] and 2 in out[2]
    assert sorted(n for nums in out for n in nums) == [1, 2, 3]
    assert out[0] == [] and out[3] == []


def test_renumber_merges_sections_by_first_citation_and_keeps_invented_numbers_dangling():
    texts, order, invented = renumber(["A [5] and [2].", "B [2, 5] and [99]."], n_shown=6)
    assert order == [5, 2]
    assert texts[0] == "A [1] and [2]."
    assert texts[1].startswith("B [1, 2] and [") and "[99]" not in texts[1]
    assert invented


def test_local_model_defaults_to_completion_mode_unless_set():
    assert default_mode(GeneratorSpec(name="g", kind="llm", model="local/gemma-3-270m")) == "completion"
    assert default_mode(GeneratorSpec(name="g", kind="llm", model="local/gemma-3-270m", mode="chat")) == "chat"
    assert default_mode(GeneratorSpec(name="g", kind="llm", model="openai/gpt-4o-mini")) == "chat"


def test_title_of_uses_the_topic_head():
    assert title_of("Retrieval-augmented generation (RAG) for LLMs: paradigms") == \
        "Retrieval-augmented generation for LLMs: A Survey"
