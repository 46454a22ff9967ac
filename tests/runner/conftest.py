"""Runner fixtures: the local OpenAI-compatible test server."""

from __future__ import annotations

import pytest

from .openai_server import OpenAIServer


@pytest.fixture
def server():
    """A fresh fake OpenAI-compatible server on 127.0.0.1 (no latency) for one test."""
    with OpenAIServer(latency_s=0.0, max_requests=2000) as srv:
        yield srv
