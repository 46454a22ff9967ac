"""Shared test setup: offline environment, paths to the shipped data beside the repo, the one fake provider."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.provider import FaultServer  # tests/ is on sys.path (this rootdir conftest)

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "000_dda1134d5bb5babb.txt"
DATA = SHARED / "data"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the repo; tests that read the real data need it."""
    if not SHARED.exists():
        pytest.skip("../shared is not beside the repo")
    return SHARED


@pytest.fixture(scope="session")
def seed_path(shared_dir: Path) -> Path:
    return SEED


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """The fake LLM provider, fresh per test (127.0.0.1, ephemeral port, 500 requests, stops itself after 300 s)."""
    srv = FaultServer(max_requests=500, lifetime_s=300.0, hang_s=20.0)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def plugin_registries(monkeypatch) -> Iterator[None]:
    """The generator-kind, strategy and scorer-family registries, sys.path and sys.modules as they were after
    the test: a plug-in a test imports never leaks its names into later tests."""
    from harness.core.registries import ALL
    from harness.generators import strategies

    monkeypatch.setattr(sys, "path", list(sys.path))
    for registry in ALL:
        monkeypatch.setattr(registry, "_entries", registry.snapshot())
    monkeypatch.setattr(strategies, "_NO_POOL", set(strategies._NO_POOL))
    monkeypatch.setattr(strategies, "_ROUNDS", dict(strategies._ROUNDS))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:  # the plug-ins' own modules; never the harness or a library
        path = str(getattr(sys.modules[name], "__file__", None) or "")
        if path and not path.startswith((sys.prefix, str(REPO / "harness"))):
            del sys.modules[name]


@pytest.fixture
def examples_on_path(plugin_registries) -> Path:
    """examples/ importable (as a user's PYTHONPATH would make it), with the registries restored afterwards."""
    sys.path.append(str(REPO / "examples"))
    return REPO / "examples"


@pytest.fixture(autouse=True)
def _driver_state_on_local_executor(request, monkeypatch) -> None:
    """Tests marked driver_state read the driver process's scoring state (its embedder's counters, a scorer
    patched in this process): they run on the one-thread local executor whatever the session's
    HARNESS_EXECUTOR (a second CI pass runs the runner tests under Ray)."""
    if request.node.get_closest_marker("driver_state") is not None:
        monkeypatch.setenv("HARNESS_EXECUTOR", "local")
        monkeypatch.setenv("HARNESS_WORKERS", "1")
