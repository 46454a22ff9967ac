"""Bad replies (empty, no references, invented numbers, cut at max_tokens, provider errors) become flagged
Generations, never crashes. Real litellm calls the fake provider, which is scripted to give those replies."""

from __future__ import annotations

import asyncio

from harness.generators import build_generator
from harness.generators.base import GeneratorSpec, Price
from harness.llm.client import LiteLLMClient
from harness.generators.prompting import load_template

GOOD = "# T\n\n## 1 Intro\n\nRetrieval helps [1]. Dense retrieval too [2].\n\n## References\n\n[1] A\n[2] B\n"


def _generate(generator, task, seed):
    """One generation through a fresh LiteLLMClient, its HTTP clients closed before the event loop ends."""
    async def go():
        client = LiteLLMClient(timeout_s=30)
        try:
            return await generator.generate(task, seed, client)
        finally:
            await client.aclose()

    return asyncio.run(go())


def _gen(task, srv, text=None, faults=(), strategy="zero_shot", mode="chat", retry_after=1.0, **extra):
    """Generate with every request answered `text` (after the scripted `faults`) by the fake provider srv."""
    srv.reset()
    srv.script(list(faults), text=text, retry_after=retry_after)
    spec = GeneratorSpec(name=f"fake-{strategy}", kind="llm", model="openai/fake", strategy=strategy, mode=mode,
                         api_base=srv.api_base, pool={"method": "topk_bm25", "k": 5}, **extra)
    return _generate(build_generator(spec), task, 0)


def test_empty_reply_is_flagged(small_task, fault_server):
    gen = _gen(small_task, fault_server, "")
    assert gen.error is None and gen.review is not None
    assert {"empty_text", "no_references", "empty_reply:write"} <= set(gen.flags)


def test_reply_without_reference_list_is_flagged(small_task, fault_server):
    gen = _gen(small_task, fault_server, "# T\n\nSome text citing [1] and [2].\n")
    assert "no_references" in gen.flags and "empty_text" not in gen.flags


def test_markers_beyond_the_reference_list_are_flagged(small_task, fault_server):
    text = GOOD.replace("too [2]", "too [2, 9]")
    gen = _gen(small_task, fault_server, text)
    assert "invented_reference_numbers" in gen.flags
    assert "invented_reference_numbers" not in _gen(small_task, fault_server, GOOD).flags


def test_reply_cut_at_max_tokens_is_flagged_and_recorded(small_task, fault_server):
    gen = _gen(small_task, fault_server, GOOD, faults=["length"])  # finish_reason "length", as max_tokens cuts
    assert "cut_at_max_tokens" in gen.flags
    assert gen.review.finish_reason == "length"
    assert gen.calls[0].finish_reason == "length"


def test_a_good_reply_records_usage_hashes_and_prompts(small_task, fault_server):
    gen = _gen(small_task, fault_server, GOOD, price=Price(input_per_mtok=1.0, output_per_mtok=2.0))
    assert gen.flags == []
    (asked,) = fault_server.records
    tin, tout = asked.usage  # the token counts the provider reported
    call = gen.calls[0]
    assert call.template == "zero_shot_chat@1"
    assert call.template_hash == load_template("zero_shot_chat").hash
    assert gen.prompts[call.prompt_hash].startswith("[")  # chat messages as JSON
    assert tin > 0 and tout > 0
    assert call.cost_source == "user-set" and abs(call.cost_usd - (tin * 1 + tout * 2) / 1e6) < 1e-12
    assert gen.review.usage.stages[0].name == "write"
    assert gen.review.usage.input_tokens == tin and gen.review.usage.cost_source == "user-set"
    assert len(gen.review.references) == 2


def test_provider_error_becomes_a_generation_with_the_error(small_task, fault_server):
    gen = _gen(small_task, fault_server, GOOD, faults=["429"], retry_after=3, strategy="plan_then_write")
    assert gen.review is None and "rate_limit 429" in gen.error and "retry after 3s" in gen.error
    assert gen.flags == ["provider_error"]
    assert gen.calls[0].error and gen.calls[0].stage == "plan"
    assert gen.calls[0].prompt_hash in gen.prompts


def test_multistage_strategies_survive_garbage_replies(small_task, fault_server):
    for strategy in ("plan_then_write", "outline_sections", "closed_book"):
        for mode in ("chat", "completion"):
            gen = _gen(small_task, fault_server, "%%% ??? ]]][[[", strategy=strategy, mode=mode)
            assert gen.error is None and gen.review is not None, (strategy, mode)
            assert gen.calls and all(c.template_hash for c in gen.calls)
    outline = _gen(small_task, fault_server, "%%%", strategy="outline_sections")
    assert "outline_unparsed" in outline.flags


def test_randomness_derives_from_task_generator_and_seed(small_task, fault_server):
    fault_server.script([], text=GOOD)
    spec = GeneratorSpec(name="g", kind="llm", model="openai/fake", pool={"method": "all"},
                         api_base=fault_server.api_base)
    g = build_generator(spec)
    for seed in (0, 0, 1):
        _generate(g, small_task, seed)
    a, b, c = (r.body for r in fault_server.records)  # what reached the provider
    assert a["seed"] == b["seed"] != c["seed"]
    assert a["messages"] == b["messages"] != c["messages"]
