"""Truncation of a multi-call stage is per call (issue 28, item 1): outline_sections' section calls are summed
in the stage's usage, and the sum must never be held against one call's max_tokens."""

from __future__ import annotations

import asyncio

from harness.generators.base import LLMRequest, LLMResponse
from harness.generators.recording import CallLog
from harness.models import Review, StageUsage, Task, Usage
from harness.scorers import score_review
from reliability.conftest import small_task  # tests/ is on sys.path (rootdir conftest)

TEXT = "# Review\n\n## Intro\n\nGraph models learn node features. Message passing is general.\n"


class _Replies:
    """An LLMClient whose replies carry the scripted output token counts, finish reason 'stop'."""

    def __init__(self, outputs: list[int]):
        self.outputs = list(outputs)

    async def complete(self, request: LLMRequest) -> LLMResponse:
        return LLMResponse(text="Some text.", input_tokens=50, output_tokens=self.outputs.pop(0), finish_reason="stop")


def _usage(section_outputs: list[int], section_cap: int = 400) -> Usage:
    log = CallLog(model="openai/stub")
    client = _Replies([100, *section_outputs])

    async def calls() -> None:
        msg = [{"role": "user", "content": "x"}]
        await log.call(client, LLMRequest(model="openai/stub", stage="outline", messages=msg, max_tokens=1000))
        for i in range(len(section_outputs)):
            await log.call(client, LLMRequest(model="openai/stub", stage="section", messages=msg + [
                {"role": "user", "content": str(i)}], max_tokens=section_cap))

    asyncio.run(calls())
    return log.usage()


def _length(usage: Usage) -> dict:
    task = Task.model_validate(small_task("len-task", "graph neural networks"))
    review = Review(source_format="markdown", text=TEXT, usage=usage, finish_reason="stop")
    return {s.name: s for s in score_review(review, task, None, ["length"])}


def test_three_sections_under_their_cap_are_not_truncated() -> None:
    usage = _usage([200, 200, 200])
    section = next(st for st in usage.stages if st.name == "section")
    assert section.output_tokens == 600 and section.calls == 3 and section.calls_at_cap == 0
    s = _length(usage)
    assert s["length.truncated"].value == 0, s["length.truncated"].explanation
    assert s["length.at_token_cap"].value == 0, s["length.at_token_cap"].explanation


def test_one_section_at_its_cap_is_reported_per_call() -> None:
    s = _length(_usage([200, 400, 150]))
    assert s["length.at_token_cap"].value == 1
    assert "1 of 3 calls output their max_tokens 400" in s["length.at_token_cap"].explanation
    assert s["length.truncated"].value == 1


def test_an_old_summed_stage_without_per_call_counts_is_not_judged() -> None:
    """A stored stage of 3 calls from before calls_at_cap existed: 600 summed tokens vs a 400 cap is no signal."""
    usage = Usage(stages=[StageUsage(name="section", output_tokens=600, max_tokens=400, calls=3,
                                     finish_reason="stop")])
    s = _length(usage)
    assert s["length.at_token_cap"].status == "not_applicable"
    assert s["length.truncated"].value == 0 and not any("max_tokens" in x for x in
                                                        s["length.truncated"].details.get("signals", []))
