"""Runner fixtures: `server`, the runner tests' name for the one fake provider (tests/conftest.py's fault_server)."""

from __future__ import annotations

import pytest


@pytest.fixture
def server(fault_server):
    """The fake OpenAI-compatible provider on 127.0.0.1, fresh per test (no latency, no scripted faults)."""
    return fault_server
