"""Bad replies (empty, no references, invented numbers, cut at max_tokens, provider errors) become flagged
Generations, never crashes. The client here is a fake only to inject those faults."""

from __future__ import annotations

import asyncio

from harness.generators import build_generator
from harness.generators.base import GeneratorSpec, LLMResponse, Price
from harness.generators.llm import ProviderError
from harness.generators.prompting import load_template

GOOD = "# T\n\n## 1 Intro\n\nRetrieval helps [1]. Dense retrieval too [2].\n\n## References\n\n[1] A\n[2] B\n"


def _gen(task, client, strategy="zero_shot", mode="chat", **extra):
    spec = GeneratorSpec(name=f"fake-{strategy}", kind="llm", model="openai/fake", strategy=strategy, mode=mode,
                         pool={"method": "topk_bm25", "k": 5}, **extra)
    return asyncio.run(build_generator(spec).generate(task, 0, client))


def _reply(text, finish="stop", **kw):
    return lambda req: LLMResponse(text=text, input_tokens=100, output_tokens=20, finish_reason=finish,
                                   cost_usd=0.0, cost_source="unknown", latency_s=0.01, **kw)


def test_empty_reply_is_flagged(small_task, faulty_client):
    gen = _gen(small_task, faulty_client(_reply("")))
    assert gen.error is None and gen.review is not None
    assert {"empty_text", "no_references", "empty_reply:write"} <= set(gen.flags)


def test_reply_without_reference_list_is_flagged(small_task, faulty_client):
    gen = _gen(small_task, faulty_client(_reply("# T\n\nSome text citing [1] and [2].\n")))
    assert "no_references" in gen.flags and "empty_text" not in gen.flags


def test_markers_beyond_the_reference_list_are_flagged(small_task, faulty_client):
    text = GOOD.replace("too [2]", "too [2, 9]")
    gen = _gen(small_task, faulty_client(_reply(text)))
    assert "invented_reference_numbers" in gen.flags
    assert "invented_reference_numbers" not in _gen(small_task, faulty_client(_reply(GOOD))).flags


def test_reply_cut_at_max_tokens_is_flagged_and_recorded(small_task, faulty_client):
    gen = _gen(small_task, faulty_client(_reply(GOOD, finish="length")))
    assert "cut_at_max_tokens" in gen.flags
    assert gen.review.finish_reason == "length"
    assert gen.calls[0].finish_reason == "length"


def test_a_good_reply_records_usage_hashes_and_prompts(small_task, faulty_client):
    gen = _gen(small_task, faulty_client(_reply(GOOD)), price=Price(input_per_mtok=1.0, output_per_mtok=2.0))
    assert gen.flags == []
    call = gen.calls[0]
    assert call.template == "zero_shot_chat@1"
    assert call.template_hash == load_template("zero_shot_chat").hash
    assert gen.prompts[call.prompt_hash].startswith("[")  # chat messages as JSON
    assert call.cost_source == "user-set" and abs(call.cost_usd - (100 * 1 + 20 * 2) / 1e6) < 1e-12
    assert gen.review.usage.stages[0].name == "write"
    assert gen.review.usage.input_tokens == 100 and gen.review.usage.cost_source == "user-set"
    assert len(gen.review.references) == 2


def test_provider_error_becomes_a_generation_with_the_error(small_task, faulty_client):
    err = ProviderError("rate_limit", "slow down", status=429, retry_after=3.0, model="openai/fake")
    gen = _gen(small_task, faulty_client(lambda req: err), strategy="plan_then_write")
    assert gen.review is None and "rate_limit 429" in gen.error and "retry after 3s" in gen.error
    assert gen.flags == ["provider_error"]
    assert gen.calls[0].error and gen.calls[0].stage == "plan"
    assert gen.calls[0].prompt_hash in gen.prompts


def test_multistage_strategies_survive_garbage_replies(small_task, faulty_client):
    for strategy in ("plan_then_write", "outline_sections", "closed_book"):
        for mode in ("chat", "completion"):
            gen = _gen(small_task, faulty_client(_reply("%%% ??? ]]][[[")), strategy=strategy, mode=mode)
            assert gen.error is None and gen.review is not None, (strategy, mode)
            assert gen.calls and all(c.template_hash for c in gen.calls)
    outline = _gen(small_task, faulty_client(_reply("%%%")), strategy="outline_sections")
    assert "outline_unparsed" in outline.flags


def test_randomness_derives_from_task_generator_and_seed(small_task, faulty_client):
    client = faulty_client(_reply(GOOD))
    spec = GeneratorSpec(name="g", kind="llm", model="openai/fake", pool={"method": "all"})
    g = build_generator(spec)
    asyncio.run(g.generate(small_task, 0, client))
    asyncio.run(g.generate(small_task, 0, client))
    asyncio.run(g.generate(small_task, 1, client))
    a, b, c = client.requests
    assert a.seed == b.seed != c.seed
    assert a.messages == b.messages != c.messages
