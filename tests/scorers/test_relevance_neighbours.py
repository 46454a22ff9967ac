"""The default relevance method `neighbours` on real titles from the dev labels (relevance-real-outputs/dev.jsonl).

Each case is a title a real generator cited, with the careful reader's label as the expected verdict. Cross-topic
cases (a Chinese RAG survey judged against the diffusion task and the reverse) show a non-English title is judged
by its meaning, not passed for being hard to read.
"""

from __future__ import annotations

import pytest

from harness.scorers.context import ScoringSuite
from harness.scorers.judge_methods import RelevanceRef

# (task, title as the generator gave it, expected verdict = the label)
MULTILINGUAL = [
    ("rag-llm-survey", "LLM-RAG综述：检索增强生成技术详解", "on-topic"),  # "an overview of RAG" (issue 24)
    ("generative-diffusion-survey", "扩散模型综述：算法、应用与未来方向", "on-topic"),  # "a survey of diffusion models"
    ("generative-diffusion-survey", "LLM-RAG综述：检索增强生成技术详解", "off-topic"),  # RAG is not diffusion
    ("rag-llm-survey", "扩散模型综述：算法、应用与未来方向", "off-topic"),  # diffusion is not RAG
]
JARGON = [
    ("llm-hallucination-survey", "TruthfulQA: Measuring How Models Mimic Human Falsehoods", "on-topic"),
    ("llm-time-series-survey", "MOMENT A Family of Open Time-series Foundation Models", "on-topic"),
    ("rag-llm-survey", "Corrective RAG", "on-topic"),
    ("rag-llm-survey", "Corrective Retrieval Augmented Generation", "on-topic"),
    ("vision-transformers", "[2005.12872] End- to- End Object Detection with Transformers", "on-topic"),
    ("llm-hallucination-survey", "[PDF] TruthfulQA: Measuring How Models Mimic Human Falsehoods . acl- long.229. pdf",
     "on-topic"),
]
OFF_TOPIC = [  # labelled `no`
    ("llm-time-series-survey", "Equivariant Transformer is all you need", "off-topic"),  # lattice QCD
    ("multimodal-llm-survey", "Technical Understanding from IML Hands-on Experience A Study through a Public Event "
                              "for Science Museum Visitors", "off-topic"),
    ("llm-time-series-survey", "The Unreasonable Effectiveness of Deep Learning in Artificial Intelligence",
     "off-topic"),
]


def _verdict(task_id: str, title: str, url: str | None = None):
    from harness.scorers import ScoringContext
    from harness.scorers.relevance_neighbours import judge_neighbours
    from harness.tasks.suite import get_task

    res = judge_neighbours([RelevanceRef(key="r", title=title, url=url)], get_task(task_id),
                           ScoringContext(suite=ScoringSuite.from_env()))
    return res.judgments[0], res


@pytest.mark.parametrize("task_id,title,expected", MULTILINGUAL + JARGON + OFF_TOPIC)
def test_real_cited_titles_get_the_readers_verdict(task_id, title, expected):
    j, _ = _verdict(task_id, title)
    assert j.verdict == expected, (j.score, j.threshold, j.details)


def test_each_script_goes_to_its_encoder_space_with_its_evidence():
    j, res = _verdict("rag-llm-survey", "LLM-RAG综述：检索增强生成技术详解")
    assert j.details["encoder"] == "zh-gloss" and res.details["routed"]["zh-gloss"] == 1
    assert j.details["gloss"] == "LLM-RAG survey retrieval-augmented generation techniques technology explained"
    assert j.details["nearest"] and j.score is not None and j.threshold is not None
    assert "calibration_gloss" in res.details and "calibration_multilingual" not in res.details
    j, res = _verdict("rag-llm-survey", "検索拡張生成（RAG）の仕組みと実装")  # Japanese: the multilingual space
    assert j.details["encoder"] == "use-multilingual" and res.details["routed"]["use-multilingual"] == 1
    assert "calibration_multilingual" in res.details and "gloss" not in j.details
    j, _ = _verdict("rag-llm-survey", "Corrective RAG")
    assert j.details["encoder"] == "minilm" and {"topic_cos", "own_topic", "closest_other_topic"} <= set(j.details)


def test_every_titled_reference_gets_a_verdict_and_the_untitled_say_why():
    from harness.scorers import ScoringContext
    from harness.scorers.relevance_neighbours import judge_neighbours
    from harness.tasks.suite import get_task

    task = get_task("rag-llm-survey")
    bib = task.paper(task.reference_papers[0])
    refs = [RelevanceRef(key="a", title="RAG应用评估：RAGAs与LlamaIndex实战", url="https://zhuanlan.zhihu.com/p/1",
                         ref_class="web"),
            RelevanceRef(key="b", title="Stellar nucleosynthesis in massive binaries", ref_class="unidentified"),
            RelevanceRef(key="c", title=None), RelevanceRef(key="d", title=bib.title, in_bibliography=True)]
    js = judge_neighbours(refs, task, ScoringContext(suite=ScoringSuite.from_env())).judgments
    assert js[0].verdict in ("on-topic", "off-topic") and js[1].verdict == "off-topic"
    assert js[2].verdict == "unjudged" and js[2].basis == "no title"
    assert js[3].verdict == "on-topic" and js[3].basis == "in the reference bibliography"


def test_the_cut_comes_from_the_pools_not_from_labels():
    _, res = _verdict("llm-evaluation-survey", "Holistic Evaluation of Language Models")
    d = res.details
    assert d["n_cs_calibration"] > 100 and d["n_cs_test"] > 100 and d["n_physics"] > 50
    assert d["fpr_cs_test_half"] <= 0.10  # the pool goal: TNR >= 0.90 on CS distractors it was not fitted on
    assert "llm-evaluation-survey" not in d["competitors"] and len(d["competitors"]) >= 10
