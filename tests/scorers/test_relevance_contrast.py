"""Relevance method `contrast` (neighbours with the full nearest-topic margin) on real titles from the dev labels.

Each case is a title a real generator cited, with the careful reader's label as the expected verdict. The
FACET cases are general-area references the reader called off the topic's facet ("More Agents Is All You Need"
for LLM evaluation, a resource-efficient-LLM survey for LLMs and time series): closer to another suite topic (or to
none in particular) than to this one, which the full contrast turns off-topic.
"""

from __future__ import annotations

import pytest

from harness.scorers.judge_methods import RelevanceRef

FACET = [  # labelled `no`: the field's general area, not the topic's facet
    ("llm-evaluation-survey", "More Agents Is All You Need"),
    ("llm-evaluation-survey", "Language Modeling with Deep Transformers"),
    ("llm-time-series-survey", "Beyond Efficiency A Systematic Survey of Resource-Efficient Large Language Models"),
    ("llm-time-series-survey", "To Transformers and Beyond Large Language Models for the Genome"),
    ("llm-time-series-survey", "A Theory for Emergence of Complex Skills in Language Models"),
]
ON_TOPIC = [  # labelled `yes`, jargon and Chinese titles among them
    ("llm-evaluation-survey", "Holistic Evaluation of Language Models"),
    ("multimodal-llm-survey", "CLIP: Connecting text and images | OpenAl"),
    ("llm-hallucination-survey", "TruthfulQA: Measuring How Models Mimic Human Falsehoods"),
    ("llm-time-series-survey", "MOMENT A Family of Open Time-series Foundation Models"),
    ("rag-llm-survey", "Corrective RAG"),
    ("rag-llm-survey", "LLM-RAG综述：检索增强生成技术详解"),
    ("generative-diffusion-survey", "扩散模型综述：算法、应用与未来方向"),
]


def _judge(task_id: str, title: str, method: str = "contrast"):
    from harness.scorers import ScoringContext, ScoringSuite
    from harness.scorers.judge_methods import RELEVANCE_METHODS
    from harness.tasks.suite import get_task

    ctx = ScoringContext(suite=ScoringSuite.from_env())  # the shipped suite, as `harness score` passes it
    res = RELEVANCE_METHODS.get(method).fn([RelevanceRef(key="r", title=title)], get_task(task_id), ctx)
    return res.judgments[0], res


@pytest.mark.parametrize("task_id,title", FACET)
def test_general_area_references_off_the_facet_are_off_topic(task_id, title):
    j, _ = _judge(task_id, title)
    assert j.verdict == "off-topic", (j.score, j.threshold, j.details)
    assert j.score < j.threshold


@pytest.mark.parametrize("task_id,title", ON_TOPIC)
def test_real_on_topic_titles_stay_on_topic(task_id, title):
    j, _ = _judge(task_id, title)
    assert j.verdict == "on-topic", (j.score, j.threshold, j.details)


def test_score_is_own_closeness_minus_the_closest_other_topics():
    j, res = _judge("llm-evaluation-survey", "More Agents Is All You Need")
    assert j.score == pytest.approx(j.details["own_topic"] - j.details["closest_other_topic"], abs=2e-4)
    assert res.details["method"] == "contrast" and res.details["contrast"] == 1.0
    assert "less 1.0 x the same for the closest of" in res.rule


def test_neighbours_keeps_its_weaker_contrast():
    """The default method's math is unchanged by the new one: a 0.3 contrast, the same reference on-topic there."""
    j, res = _judge("llm-evaluation-survey", "Language Modeling with Deep Transformers", method="neighbours")
    assert res.details["contrast"] == 0.3 and res.details["method"] == "neighbours"
    assert j.score == pytest.approx(j.details["own_topic"] - 0.3 * j.details["closest_other_topic"], abs=2e-4)


def test_the_cut_comes_from_the_pools_not_from_labels():
    _, res = _judge("llm-time-series-survey", "MOMENT A Family of Open Time-series Foundation Models")
    d = res.details
    assert d["n_cs_calibration"] > 100 and d["n_physics"] > 50 and d["fpr_cs_test_half"] <= 0.10
