"""Chinese titles glossed into English terms (harness.scorers.relevance_gloss): the gloss and its coverage by hand,
what is left alone, the glossary's file errors and the encoder that wraps MiniLM."""

from __future__ import annotations

import numpy as np
import pytest

from harness.core.errors import HarnessError
from harness.scorers.relevance_gloss import MIN_COVERAGE, GlossEmbedder, gloss, glossable, load_glossary

TOY = {"检索增强生成": "retrieval-augmented generation", "检索": "retrieval", "综述": "survey", "大模型": "large models"}


def test_longest_match_wins_latin_runs_stay_and_coverage_counts_matched_han_characters():
    g = gloss("LLM-RAG综述：检索增强生成技术详解", TOY)
    # 综述 (2) and 检索增强生成 (6) matched; 技术详解 (4) not: 8 of 12 Han characters
    assert g.text == "LLM-RAG survey retrieval-augmented generation"
    assert g.coverage == pytest.approx(8 / 12)


def test_text_without_han_characters_is_unchanged_and_fully_covered():
    g = gloss("Corrective RAG: a survey", TOY)
    assert (g.text, g.coverage) == ("Corrective RAG: a survey", 1.0)


def test_only_chinese_with_enough_coverage_is_glossable():
    assert glossable("大模型综述", TOY)  # 5 of 5
    assert not glossable("红烧肉的家常做法", TOY)  # 0 of 8: stays in the multilingual space
    assert not glossable("大模型の検索拡張生成", TOY)  # Japanese (kana): never glossed with a Chinese glossary
    assert not glossable("Retrieval-augmented generation", TOY)
    assert gloss("大模型与红烧肉的家常做法", TOY).coverage < MIN_COVERAGE  # 3 of 11


def test_a_bad_glossary_line_names_file_field_and_line(tmp_path):
    path = tmp_path / "g.tsv"
    path.write_text("# zh\ten\n综述\tsurvey\n检索 retrieval\n", encoding="utf-8")
    with pytest.raises(HarnessError) as err:
        load_glossary(path)
    assert str(err.value).startswith(f"{path}:3, field 'entry'")


def test_the_shipped_glossary_loads_and_has_no_single_character_entry():
    g = load_glossary()
    assert len(g) > 400 and all(len(k) > 1 for k in g)
    assert g["检索增强生成"] == "retrieval-augmented generation" and g["时间序列"] == "time series"


class _Recorder:
    model_id = "inner"

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen += list(texts)
        return np.ones((len(texts), 2), dtype=np.float32)


def test_the_gloss_encoder_shows_the_inner_encoder_the_gloss_under_its_own_model_id():
    inner = _Recorder()
    emb = GlossEmbedder(inner, TOY, "v1")
    assert emb.encode(["大模型综述", "An English title"]).shape == (2, 2)
    assert inner.seen == ["large models survey", "An English title"]
    assert emb.model_id == "inner+zh-gloss@v1" != GlossEmbedder(inner, TOY, "v2").model_id


GENRE = {"survey", "overview", "tutorial", "guide", "principles", "practice", "explained", "paper", "research",
         "advances", "latest", "trends"}  # the README's genre words of technical writing


def test_every_english_word_of_the_glossary_comes_from_the_suite_or_the_genre_words():
    """The glossary's provenance (harness/data/relevance/README.md): its English side is the shipped suite's
    bibliography titles and topic sentences, plus the genre words; nothing was added from a labelled title."""
    import re

    from harness.scorers.context import ScoringSuite
    from harness.scorers.relevance_neighbours import _bib_titles

    words = lambda text: set(re.findall(r"[a-z0-9]+", text.lower()))  # noqa: E731
    vocab = set().union(*(words(x) for t in ScoringSuite.from_env().tasks().values()
                          for x in [*_bib_titles(t), t.topic]))
    english = set().union(*(words(en) for en in load_glossary().values()))
    assert english - vocab - GENRE == set()
