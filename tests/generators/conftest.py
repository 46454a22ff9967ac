"""Fixtures for generator tests: the real task suite, and a fault-injecting LLM client."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.generators.base import LLMRequest, LLMResponse


@pytest.fixture(scope="session")
def suite():
    """The shipped task suite (tasks/ in the repo)."""
    from harness.tasks import load_suite

    tasks = load_suite()
    if not tasks:
        pytest.skip("tasks/ is empty")
    return tasks


@pytest.fixture(scope="session")
def small_task(suite):
    """One real task for quick generator runs."""
    return suite.get("rag-llm-survey") or next(iter(suite.values()))


class FaultyClient:
    """Fake LLM client used only to inject faults: replies come from `reply(request)` (text or an exception)."""

    def __init__(self, reply: Callable[[LLMRequest], LLMResponse | Exception]):
        self.reply = reply
        self.requests: list[LLMRequest] = []

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        out = self.reply(request)
        if isinstance(out, Exception):
            raise out
        return out


@pytest.fixture
def faulty_client():
    """Factory: faulty_client(reply_fn) -> FaultyClient."""
    return FaultyClient
