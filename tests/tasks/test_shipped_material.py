"""The suite against the shipped files: abstracts attached with their source, new tasks, real outlines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.models import normalize_title
from harness.tasks.suite import load_suite, task_counts

REPO = Path(__file__).resolve().parents[2]
NEW = {"Agentic Reinforcement Learning": "agentic-rl-survey", "Alignment of Large Language Models": "llm-alignment-survey",
       "Efficient Inference for Large Language Models": "llm-efficient-inference-survey",
       "Explainability for Large Language Models": "llm-explainability-survey",
       "Large Language Models for Recommendation": "llm-recommendation-survey",
       "Large Language Models for Time Series": "llm-time-series-survey",
       "Reinforcement Learning for Large Language Models": "rl-reasoning-models-survey",
       "Safety in Large Language Models": "llm-safety-survey", "Scientific Large Language Models": "scientific-llm-survey",
       "Vision-Language-Action Models": "vla-models-survey"}
# abstracts/PROVENANCE.md, "Coverage after both rounds": arXiv-id papers with any abstract, per task.
SHIPPED_COVERAGE = {"generative-diffusion-survey": 59, "llm-autonomous-agents-survey": 101, "llm-evaluation-survey": 153,
                    "llm-hallucination-survey": 153, "lm-timeseries-spatiotemporal": 32, "multimodal-llm-survey": 155,
                    "rag-llm-survey": 133, "stfm-since-2024": 27}


@pytest.fixture(scope="module")
def suite():
    return load_suite(REPO / "tasks")


@pytest.fixture(scope="module")
def abstracts(shared_dir):
    path = shared_dir / "data/abstracts/reference-abstracts.jsonl"
    return {r["arxiv_id"]: r for r in map(json.loads, path.read_text().splitlines())}


@pytest.fixture(scope="module")
def hs_papers(shared_dir):
    path = shared_dir / "data/human-surveys/papers.jsonl"
    return {r["arxiv_id"]: r for r in map(json.loads, path.read_text().splitlines())}


def test_at_least_21_tasks_listed(suite):
    assert len(suite) >= 21


def test_abstract_coverage_of_the_eight_task_files_is_the_provenance_count(suite):
    for tid, n in SHIPPED_COVERAGE.items():
        assert task_counts(suite[tid])["reference_with_abstract"] == n, tid


def test_every_shipped_abstract_reaches_its_papers_verbatim(suite, abstracts):
    for task in suite.values():
        for pid in task.reference_papers:
            p = task.paper(pid)
            row = abstracts.get(p.arxiv_id or "")
            if row is not None and (p.provenance or {}).get("abstract_file", "").startswith("data/abstracts"):
                assert p.abstract == row["abstract"] and p.provenance["abstract_grade"] == row["kind"]
                assert p.provenance["abstract_source"] == row["source"]
    ids_in_tasks = {task.paper(pid).arxiv_id for t in suite for task in [suite[t]] for pid in task.reference_papers}
    attached = {a for a in abstracts if a in ids_in_tasks}
    assert len(attached) == len(abstracts) == 687


def test_every_abstract_carries_its_grade_and_source(suite):
    for task in suite.values():
        for p in task.papers:
            if p.abstract:
                prov = p.provenance or {}
                assert prov.get("abstract_grade") in ("arxiv", "venue"), (task.id, p.id)
                assert prov.get("abstract_source") and prov.get("abstract_file"), (task.id, p.id)


def test_new_tasks_take_titled_papers_only_and_list_untitled_ids(suite, shared_dir, hs_papers):
    cov = json.loads((shared_dir / "data/human-surveys/papers-coverage.json").read_text())
    for topic, tid in NEW.items():
        task = suite[tid]
        hs = json.loads((shared_dir / f"data/human-surveys/{topic}.json").read_text())
        assert task.reference_survey.title == hs["survey_title"]
        assert len(task.reference_papers) == cov[topic]["titles"]
        assert sorted(task.provenance["unresolvable_reference_ids"]) == sorted(cov[topic]["missing_title_ids"])
        for pid in task.reference_papers:
            p, row = task.paper(pid), hs_papers[task.paper(pid).arxiv_id]
            assert p.title == row["title"] and p.abstract == row["abstract"]
        assert task_counts(task)["reference_with_abstract"] == cov[topic]["abstracts"]
        assert task.topic.startswith("Write a literature review of ")


def test_llm_bible_titles_are_never_marked_verbatim(suite, hs_papers, shared_dir):
    cov = json.loads((shared_dir / "data/human-surveys/papers-coverage.json").read_text())
    seen = 0
    for tid in NEW.values():
        for pid in suite[tid].reference_papers:
            p = suite[tid].paper(pid)
            bible = hs_papers[p.arxiv_id]["title_grade"].startswith("llm-bible")
            assert p.provenance["title_verbatim"] is (not bible)
            assert (p.provenance["title_grade"] == "llm-bible") is bible
            seen += bible
    assert seen == sum(cov[topic]["title_llmbible"] for topic in NEW)  # 203 (task, paper) pairs


def test_recased_titles_still_match_case_insensitively():
    assert normalize_title("Chain Of Hindsight Aligns Language Models With Feedback") == \
        normalize_title("Chain of Hindsight Aligns Language Models with Feedback")


def test_six_tasks_use_the_surveys_own_headings_and_keep_the_companion_outline(suite, shared_dir):
    six = {"Evaluation of Large Language Models": "llm-evaluation-survey",
           "Generative Diffusion Models": "generative-diffusion-survey",
           "Hallucination in Large Language Models": "llm-hallucination-survey",
           "LLM-based Multi-Agent": "llm-autonomous-agents-survey",
           "Multimodal Large Language Models": "multimodal-llm-survey",
           "Retrieval-Augmented Generation for Large Language Models": "rag-llm-survey"}
    for topic, tid in six.items():
        rs = suite[tid].reference_survey
        hs = json.loads((shared_dir / f"data/human-surveys/{topic}.json").read_text())
        texts = [h["text"] for h in hs["headings"]]
        assert rs.outline and all(h.strip() in texts for h in rs.outline)
        companion = json.loads((shared_dir / f"data/tasks/{tid}.json").read_text())["reference_survey"]["outline"]
        assert rs.alternate_outline == companion, tid  # the companion-repository outline (none for multimodal)
        assert "References" not in [h.strip().title() for h in rs.outline]
    rag = suite["rag-llm-survey"].reference_survey
    assert rag.alternate_outline[0] == "What is  RAG ?" and rag.outline[0] == "1 INTRODUCTION"


def test_cs_distractors_on_a_new_topic_are_counted_and_kept_out(suite, shared_dir):
    cs_pool = json.loads((shared_dir / "data/pools/distractors-cs.json").read_text())["papers"]
    by_title = {p["title"]: p["arxiv_id"] for p in cs_pool}
    safety = suite["llm-safety-survey"]
    cs = safety.provenance["cs_distractors"]
    assert cs["dropped_on_topic"] == len(cs["dropped_ids"])
    assert cs["candidates"] + cs["dropped_on_topic"] <= len(cs_pool)
    assert not set(cs["dropped_ids"]) & {i.paper_id for i in safety.pool}
    # named in the data README as on-topic for the new topics
    assert by_title["Towards LLM Guardrails via Sparse Representation Steering"] in cs["dropped_ids"]
    low_bit = by_title["BitDecoding: Unlocking Tensor Cores for Long-Context LLMs Decoding with Low-Bit KV Cache"]
    assert low_bit in suite["llm-efficient-inference-survey"].provenance["cs_distractors"]["dropped_ids"]
    assert low_bit not in cs["dropped_ids"]


def test_new_pools_mix_physics_and_cs_off_topic(suite):
    for tid in NEW.values():
        task = suite[tid]
        sources = {s["paper_id"]: s["source"] for s in task.provenance["pool_paper_sources"]}
        off = [i.paper_id for i in task.pool if i.role == "off-topic"]
        cs = [pid for pid in off if "dw-dengwei" in (sources[pid] or "")]
        assert len(off) == 15 and len(cs) == 8, tid


def test_unresolvable_ids_are_not_papers(suite):
    for task in suite.values():
        unresolvable = set(task.provenance["unresolvable_reference_ids"])
        assert not unresolvable & {p.arxiv_id for p in task.papers}, task.id
