"""ResponseCache: what the key covers, what is never stored, stats / clear / prune."""

from __future__ import annotations

import time

from harness.llm.types import LLMRequest, LLMResponse
from harness.llm.cache import ResponseCache, parse_age, request_key


def _req(**kw) -> LLMRequest:
    base = dict(model="openai/m", stage="write", messages=[{"role": "user", "content": "hello"}], max_tokens=100)
    base.update(kw)
    return LLMRequest(**base)


def test_key_covers_output_changing_params_only():
    k = request_key(_req())
    assert request_key(_req(stage="plan", template="t@1", extra={"timeout": 5})) == k
    for change in ({"api_base": "http://127.0.0.1:8002/v1"}, {"max_tokens": 101}, {"temperature": 0.5}, {"seed": 1}, {"model": "openai/n"},
                   {"messages": [{"role": "user", "content": "hello!"}]}, {"stop": ["\n"]},
                   {"extra": {"top_p": 0.9}}):
        assert request_key(_req(**change)) != k, change


def test_put_get_and_empty_answers_are_not_kept(tmp_path):
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        r = _req()
        assert cache.get(request_key(r)) is None
        assert cache.put(request_key(r), r, LLMResponse(text="a review", input_tokens=3, cost_usd=0.01))
        hit = cache.get(request_key(r))
        assert hit is not None and hit.cached and hit.text == "a review" and hit.cost_usd == 0.01
        r2 = _req(max_tokens=5)
        assert not cache.put(request_key(r2), r2, LLMResponse(text="  \n"))
        assert cache.get(request_key(r2)) is None
        s = cache.stats()
        assert s["entries"] == 1 and s["hits"] == 1 and s["models"]["openai/m"]["entries"] == 1


def test_prune_and_clear(tmp_path):
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        for i in range(3):
            r = _req(seed=i)
            cache.put(request_key(r), r, LLMResponse(text=f"t{i}"))
        cache._db.execute("UPDATE responses SET last_used=? WHERE key=?", (time.time() - 10 * 86400,
                                                                          request_key(_req(seed=0))))
        assert cache.prune(parse_age("7d")) == 1
        assert cache.stats()["entries"] == 2
        assert cache.clear() == 2 and cache.stats()["entries"] == 0
    assert parse_age("12h") == 43200 and parse_age("90") == 90


def test_the_key_is_the_one_caches_written_before_the_llm_layer_hold():
    """Pinned: these keys were computed by harness.runner.cache.cache_key at 101f167 (before issue 29's LLM layer),
    so every reply cached by earlier runs is still found. A change to the key rule must change this test."""
    judge = LLMRequest(model="openai/gpt-4o-mini", stage="judge", messages=[{"role": "user", "content": "é claim"}],
                       max_tokens=8, api_base="http://x/v1", template="support_judge@1", template_hash="h",
                       extra={"timeout": 3, "top_p": 0.5})
    write = LLMRequest(model="local/gemma-3-270m", stage="write", mode="completion", prompt="p", seed=3, stop=["\n"])
    assert request_key(judge) == "8b8ee637b35e4f27c4e552747c149acdcaeb666e78b43161580143f401da6bae"
    assert request_key(write) == "4a8b46380882ab7a6a9506e456397d1632979d2237917514818de61dbb3c8b74"
