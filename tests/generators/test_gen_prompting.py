"""Prompt templates are versioned files whose sha256 is recorded; pools are shown as "[n] Title" lines."""

from __future__ import annotations

import hashlib

import jinja2
import pytest

from harness.generators.base import LLMRequest
from harness.generators.prompting import (PROMPTS_DIR, format_pool, list_templates, load_template, prompt_hash,
                                          render, truncate)
from harness.models import Paper

COMMON = dict(topic="Retrieval-augmented generation", since=2023, title="RAG: A Survey", words_min=100,
              words_max=200, refs_min=5, pool="[1] A paper", plan="1. Intro", outline="1. Intro", index=2,
              section_title="Methods", words=50, n_sections=4,
              lead="Research on retrieval-augmented generation has grown quickly [1].")


def test_every_template_has_a_header_and_its_hash_is_the_file_sha256():
    names = list_templates()
    assert {"zero_shot_chat", "zero_shot_completion", "plan_chat", "write_plan_chat", "outline_chat",
            "section_chat", "closed_book_chat", "closed_book_completion"} <= set(names)
    for name in names:
        tpl = load_template(name)
        assert tpl.name == name and tpl.version
        assert tpl.hash == hashlib.sha256((PROMPTS_DIR / f"{name}.j2").read_bytes()).hexdigest()
        assert tpl.label == f"{name}@{tpl.version}"


def test_every_template_renders_without_its_header_comment():
    for name in list_templates():
        text = render(name, **COMMON).text
        assert "{#" not in text and "version:" not in text
        assert text.strip()


def test_a_missing_variable_is_an_error_not_an_empty_string():
    with pytest.raises(jinja2.UndefinedError):
        render("zero_shot_chat", topic="x")


def test_completion_prefixes_end_where_the_model_should_continue():
    text = render("zero_shot_completion", **COMMON).text
    assert text.startswith("# RAG: A Survey\n")
    assert "## References\n\n[1] A paper" in text
    assert text.endswith("## 1 Introduction\n\nResearch on retrieval-augmented generation has grown quickly [1].")
    assert render("plan_completion", **COMMON).text.endswith("1. Introduction\n2.")


def test_titles_and_leads_come_from_the_subject_of_the_topic():
    from harness.generators.strategies import subject_of, title_of

    topic = "Write a literature review of graph neural networks: a taxonomy of the model families"
    assert subject_of(topic) == "graph neural networks"
    assert title_of(topic) == "Graph neural networks: A Survey"
    assert title_of("Recent advances (since 2024) in spatio-temporal data prediction, focusing on STFMs") == (
        "Recent advances in spatio-temporal data prediction: A Survey")


def test_pool_lines_number_titles_and_truncate_abstracts():
    papers = [Paper(id="a", title="Dense  Passage Retrieval", abstract="word " * 200),
              Paper(id="b", title="RAG for knowledge-intensive NLP")]
    text = format_pool(papers, abstract_chars=50)
    lines = text.splitlines()
    assert lines[0] == "[1] Dense Passage Retrieval"
    assert lines[1].startswith("    word") and lines[1].endswith("…") and len(lines[1]) <= 4 + 52
    assert lines[2] == "[2] RAG for knowledge-intensive NLP"
    assert format_pool(papers, abstracts=False, numbers=[7, 9]).splitlines() == [
        "[7] Dense Passage Retrieval", "[9] RAG for knowledge-intensive NLP"]
    assert truncate("short", 50) == "short"


def test_prompt_hash_depends_on_prompt_and_output_parameters_only():
    a = LLMRequest(model="m", stage="write", messages=[{"role": "user", "content": "hi"}], template="t@1")
    same = a.model_copy(update={"stage": "other", "template": "u@2"})
    other_text = a.model_copy(update={"messages": [{"role": "user", "content": "hello"}]})
    other_tokens = a.model_copy(update={"max_tokens": 10})
    assert prompt_hash(a) == prompt_hash(same)
    assert len({prompt_hash(a), prompt_hash(other_text), prompt_hash(other_tokens)}) == 3
