"""Shared test setup: offline environment, paths to the shipped data beside the repo, the one fake provider."""

from __future__ import annotations

import os
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
