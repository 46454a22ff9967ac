"""What relevance methods read of a reference: scraped titles cleaned, URL slugs as words (titles from dev.jsonl)."""

from __future__ import annotations

import pytest

from harness.scorers.relevance_neighbours import non_latin
from harness.scorers.relevance_text import clean_title, reference_text, url_words


@pytest.mark.parametrize("raw,clean", [
    ("[PDF] TruthfulQA: Measuring How Models Mimic Human Falsehoods . acl- long.229. pdf",
     "TruthfulQA: Measuring How Models Mimic Human Falsehoods"),
    ("CLIP: Connecting text and images | OpenAl", "CLIP: Connecting text and images"),
    ("[2306.05685] Judging LLM- as- a- Judge with MT- Bench and Chatbot Arena",
     "Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena"),
    ("G- Eval: NLG Evaluation using Gpt- 4 with Better Human Alignment - ACL Anthology main.153/",
     "G-Eval: NLG Evaluation using Gpt-4 with Better Human Alignment"),
    ("LLMs for Time Series Forecasting - Medium t- jones/lms- for- time- series- forecasting- 59",
     "LLMs for Time Series Forecasting"),
    ("Physics-Informed Diffusion Models", "Physics-Informed Diffusion Models"),  # a clean title stays as it is
    ("Multimodal Learning with Transformers A Survey", "Multimodal Learning with Transformers A Survey"),
])
def test_scraping_debris_is_removed(raw, clean):
    assert clean_title(raw) == clean


def test_url_slug_words_are_evidence_and_ids_are_not():
    assert url_words("https://www.example.com/blog/rouge-metric-in-nlp/") == ["rouge", "metric", "in", "nlp"]
    assert url_words("https://zhuanlan.zhihu.com/p/650184932") == []
    assert reference_text("Diffusion", "https://openaccess.thecvf.com/ICCV2023/Zhang_Adding_Conditional_Control_to_"
                          "Text-to-Image_Diffusion_Models_ICCV_2023_paper.pdf").startswith("Diffusion (")
    assert reference_text("Holistic Evaluation of Language Models", None) == "Holistic Evaluation of Language Models"


def test_scripts_are_told_apart():
    assert non_latin("扩散模型综述：算法、应用与未来方向") and non_latin("腾讯AI Lab综述：大模型幻觉问题评估、溯源与缓解")
    assert not non_latin("Corrective RAG") and not non_latin("Étude des modèles de diffusion")
