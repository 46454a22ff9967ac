"""Fixtures for generator tests: the real task suite (the fake provider is tests/conftest.py's fault_server)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def suite():
    """The shipped task suite (tasks/ in the repo)."""
    from harness.tasks.suite import load_suite

    tasks = load_suite()
    if not tasks:
        pytest.skip("tasks/ is empty")
    return tasks


@pytest.fixture(scope="session")
def small_task(suite):
    """One real task for quick generator runs."""
    return suite.get("rag-llm-survey") or next(iter(suite.values()))
