"""The LLM support judge against the fault server's scripted verdicts: exact recall and leave-one-out precision,
the cache, strict reply parsing, repeats with majority and agreement, self-preference."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.models import Task
from harness.readers import parse_text
from harness.scorers import ScoringContext, score_review
from harness.llm.judge_calls import PlainJudgeCalls

from .conftest import small_task
from fakes.provider import FaultServer

pytestmark = pytest.mark.timeout(120)

ABSTRACTS = {  # four task papers with distinct abstracts (the judge script keys on them)
    0: "Message passing networks learn node embeddings from neighbours.",
    1: "Spectral methods define filters with the graph Laplacian.",
    2: "Graph attention assigns learned weights to each neighbour.",
    3: "Neighbourhood sampling lets training scale to very large graphs.",
}
# claim fragment -> cited reference numbers; [5] is a paper without an abstract
CLAIMS = {
    "Node embeddings come from message passing": [1],
    "Spectral filters are learned end to end": [2],
    "Attention weighs neighbours by learned scores": [1, 3],
    "Sampling makes training scale": [2, 4],
    "Pooling builds graph-level representations": [3, 4],
    "Neighbour lists are stored sparsely": [5],
}
# what the scripted judge knows: (claim fragment, abstract) pairs that support
SUPPORTS = {
    ("Node embeddings come from message passing", ABSTRACTS[0]): True,
    ("Attention weighs neighbours by learned scores", ABSTRACTS[2]): True,
    ("Sampling makes training scale", ABSTRACTS[1]): True,
    ("Sampling makes training scale", ABSTRACTS[3]): True,
}


def _task() -> Task:
    data = small_task("judge-task", "graph neural networks")
    for i, text in ABSTRACTS.items():
        data["papers"][i]["abstract"] = text
    data["papers"][4]["abstract"] = None
    return Task.model_validate(data)


def _review(task: Task, claims: dict[str, list[int]] = CLAIMS):
    body = " ".join(f"{c} {''.join(f'[{n}]' for n in nums)}." for c, nums in claims.items())
    refs = "\n".join(f"[{n}] {task.papers[n - 1].title}" for n in range(1, 6))
    return parse_text(f"# Review\n\n{body}\n\n## References\n\n{refs}\n", format="markdown")


def _ctx(srv: FaultServer, tmp: Path, **support) -> ScoringContext:
    spec = {"method": "llm", "model": "openai/judge-model", "api_base": srv.api_base, **support}
    return ScoringContext(support=spec, judge_calls=PlainJudgeCalls(tmp / "judge"))


def _scores(review, task, ctx) -> dict:
    return {s.name: s for s in score_review(review, task, ctx, ["citations"])}


def test_scripted_judge_gives_exact_recall_and_leave_one_out_precision(fault_server, tmp_path):
    task = _task()
    fault_server.script_verdicts(SUPPORTS)
    s = _scores(_review(task), task, _ctx(fault_server, tmp_path))
    rate, prec = s["citations.support_rate"], s["citations.support_precision"]
    print(rate.explanation, prec.explanation)
    # recall by hand: claims 1, 3 (union holds the attention abstract) and 4 are supported; 2 and 5 are not
    assert rate.status == "ok" and rate.value == 3 / 5
    # precision by hand (ALCE): 1:[1] yes; 2:[2] no; 3:[1] no (alone no, and [3] alone still supports),
    # 3:[3] yes; 4:[2] yes, 4:[4] yes; 5:[3], 5:[4] no (claim unsupported) -> 4 of 8
    assert prec.value == 4 / 8
    assert s["citations.unverifiable"].value == 1  # claim 6 cites the paper without an abstract
    assert rate.details["method"] == "llm" and rate.details["model"] == "openai/judge-model"
    assert len(rate.details["prompt_hash"]) == 64 and rate.details["template"] == "support_judge@1"
    # 5 union questions + 4 single-paper questions of the two supported multi-citation claims; the one
    # leave-one-out question (claim 3 without [1] = [3] alone) is already answered
    assert len(fault_server.judge_requests()) == 9
    assert rate.details["judge_usage"]["calls"] == 9
    assert not any("Neighbour lists" in r.prompt for r in fault_server.judge_requests())

    fault_server.reset()
    fault_server.script_verdicts(SUPPORTS)
    again = _scores(_review(task), task, _ctx(fault_server, tmp_path))
    assert fault_server.judge_requests() == []  # all from the cache
    assert again["citations.support_rate"].value == 3 / 5 and again["citations.support_precision"].value == 0.5
    assert again["citations.support_rate"].details["judge_usage"]["cache_hits"] == 9


def test_an_unparseable_reply_is_an_error_for_its_claim_and_is_not_cached(fault_server, tmp_path):
    task = _task()
    fault_server.script_verdicts(SUPPORTS, replies={"Spectral filters": "I think the claim is plausible."})
    s = _scores(_review(task), task, _ctx(fault_server, tmp_path))
    rate = s["citations.support_rate"]
    assert rate.value == 3 / 4  # the spectral claim is left out, not counted as unsupported
    assert rate.details["judge_errors"] == 1 and "unparseable reply" in rate.details["errors"][0]
    assert s["citations.support_precision"].value == 4 / 7
    fault_server.reset()
    fault_server.script_verdicts(SUPPORTS)
    s2 = _scores(_review(task), task, _ctx(fault_server, tmp_path))
    asked = fault_server.judge_requests()
    assert len(asked) == 1 and "Spectral filters" in asked[0].prompt  # asked again: the bad reply was dropped
    assert s2["citations.support_rate"].value == 3 / 5


def test_repeats_take_the_majority_and_report_agreement(fault_server, tmp_path):
    task = _task()
    claims = {"Node embeddings come from message passing": [1]}
    fault_server.script_verdicts({("Node embeddings", ABSTRACTS[0]): [True, False, True]})  # by seed 0, 1, 2
    s = _scores(_review(task, claims), task, _ctx(fault_server, tmp_path, repeats=3))
    rate = s["citations.support_rate"]
    asked = fault_server.judge_requests()
    assert len(asked) == 3 and rate.value == 1.0
    assert rate.details["agreement_rate"] == pytest.approx(2 / 3)
    assert rate.details["asks_per_decision"] == 3 and "agreement 0.67" in rate.explanation


def test_a_judge_of_the_generators_family_is_flagged(fault_server, tmp_path):
    from dataclasses import replace

    from harness.scorers.support_llm import model_family

    assert model_family("openai/gpt-4o-mini") == model_family("gpt-4o") == "openai"
    assert model_family("local/gemma-3-270m") == model_family("gemini/gemini-1.5-pro") == "google"
    assert model_family("anthropic/claude-3-5-haiku-20241022") != model_family("openai/gpt-4o")
    task = _task()
    fault_server.script_verdicts(SUPPORTS)
    base = _ctx(fault_server, tmp_path, model="openai/gpt-judge")
    same = _scores(_review(task), task, replace(base, generator_model="openai/gpt-4o-mini"))
    other = _scores(_review(task), task, replace(base, generator_model="anthropic/claude-3-5-haiku-20241022"))
    assert same["citations.support_rate"].details["self_preference"] is True
    assert "SELF-PREFERENCE" in same["citations.support_rate"].explanation
    assert other["citations.support_rate"].details["self_preference"] is False


def test_strict_parsing_accepts_only_the_two_verdicts():
    from harness.scorers.support_llm import parse_verdict

    assert parse_verdict("SUPPORTED") is True and parse_verdict(" **Supported.** ") is True
    assert parse_verdict("NOT_SUPPORTED") is False and parse_verdict("not supported") is False
    for bad in ("", "Yes", "SUPPORTED, mostly", "The claim is SUPPORTED", "NOT_SUPPORTED because", "4"):
        assert parse_verdict(bad) is None, bad


def test_no_judge_model_is_not_applicable_not_a_zero(tmp_path):
    task = _task()
    ctx = ScoringContext(support={"method": "llm"}, judge_calls=PlainJudgeCalls(tmp_path))
    s = _scores(_review(task), task, ctx)
    assert s["citations.support_rate"].status == "not_applicable"
    assert "scorers.support.model" in s["citations.support_rate"].explanation
