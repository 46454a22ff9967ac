"""The llm support judge's prompt and parsing on real-looking replies (through the fake provider over HTTP)."""

from __future__ import annotations

import pytest

from harness.models import Task
from harness.readers import parse_text
from harness.scorers import ScoringContext, score_review
from harness.llm.judge_calls import PlainJudgeCalls
from harness.scorers.support_llm import build_prompt, parse_verdict

pytestmark = pytest.mark.timeout(300)

# replies of the shapes real chat models give to the support_judge prompt, and the verdict each means
REPLIES = {
    "Message passing learns node embeddings": ("SUPPORTED\n\nSource 1 states that message passing networks "
                                               "learn node embeddings from neighbours.", True),
    "Spectral filters need no Laplacian": ("**NOT_SUPPORTED**", False),
    "Attention weighs each neighbour": ("Answer: SUPPORTED", True),
    "Sampling slows training down": ("<think>The source says sampling lets training scale, the opposite."
                                     "</think>\n\nNOT_SUPPORTED", False),
    "Pooling is always harmful": ("Not supported.", False),
    "Graphs are everywhere": ("The claim is partially supported by source 1.", None),  # not a verdict
}
ABSTRACTS = ["Message passing networks learn node embeddings from neighbours.",
             "Spectral methods define filters with the graph Laplacian.",
             "Graph attention assigns learned weights to each neighbour.",
             "Neighbourhood sampling lets training scale to very large graphs.",
             "Pooling layers build graph-level representations.",
             "Graphs model relations between entities."]


def _task() -> Task:
    from tests.reliability.conftest import small_task

    data = small_task("llm-replies", "graph neural networks")
    for i, text in enumerate(ABSTRACTS):
        data["papers"][i]["abstract"] = text
    return Task.model_validate(data)


def test_real_looking_replies_parse_to_their_verdicts():
    for reply, want in REPLIES.values():
        assert parse_verdict(reply) is want, reply
    for bad in ("SUPPORTED or NOT_SUPPORTED", "Yes", "SUPPORTED, mostly", "I cannot tell."):
        assert parse_verdict(bad) is None, bad


def test_the_prompt_holds_the_claim_and_every_source_and_asks_for_one_word():
    p = build_prompt("Sampling slows training", ["First abstract.", "Second abstract " + "x " * 3000])
    assert "Sampling slows training" in p and "<source 1>" in p and "<source 2>" in p
    assert "First abstract." in p and "…" in p  # an over-long source is cut, marked
    assert "exactly one word: SUPPORTED or NOT_SUPPORTED" in p
    assert "topical similarity do not count" in p


def test_replies_through_the_provider_give_recall_and_errors(fault_server, tmp_path):
    task = _task()
    claims = list(REPLIES)
    body = " ".join(f"{c} [{i}]." for i, c in enumerate(claims, 1))
    refs = "\n".join(f"[{i}] {task.papers[i - 1].title}" for i in range(1, len(claims) + 1))
    review = parse_text(f"# R\n\n{body}\n\n## References\n\n{refs}\n", format="markdown")
    fault_server.script_verdicts({}, replies={c: r for c, (r, _) in REPLIES.items()})
    ctx = ScoringContext(support={"method": "llm", "model": "openai/judge", "api_base": fault_server.api_base},
                         judge_calls=PlainJudgeCalls(tmp_path / "judge"))
    rate = {s.name: s for s in score_review(review, task, ctx, ["citations"])}["citations.support_rate"]
    assert rate.status == "ok", rate.explanation
    got = {v["sentence"].rstrip(". "): v["supports"] for v in rate.details["verdicts"]}
    for c, (_, want) in REPLIES.items():
        assert got[c] is want, c
    assert rate.value == pytest.approx(2 / 5)  # 2 supported of the 5 parseable; the 6th is left out, counted
    assert rate.details["judge_errors"] == 1 and "partially supported" in rate.details["errors"][0]
