"""Fixtures of the reliability suite: a small task suite on disk (the fault_server fixture is in tests/conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def warm_litellm() -> None:
    """Import litellm and load the embedding model up front: both take seconds on 2 cores and would otherwise
    happen inside a run (litellm on the first call, inside the event loop), counting against call timeouts."""
    import litellm  # noqa: F401

    from harness.embeddings.encoder import get_embedder

    get_embedder()


def _paper(pid: str, title: str, year: int = 2023, abstract: str | None = None) -> dict[str, Any]:
    return {"id": pid, "title": title, "arxiv_id": pid if pid[0].isdigit() else None, "year": year,
            "authors": ["A. Author"], "abstract": abstract}


def small_task(task_id: str, topic: str, n: int = 8, offset: int = 0, off_topic: bool = True) -> dict[str, Any]:
    """A valid Task dict (Task model JSON): n bibliography papers, 3 topical and (optionally) 3 off-topic
    pool papers."""
    papers = [_paper(f"2301.{10000 + offset + i:05d}", f"{topic} method number {i} with a distinct title {offset + i}",
                     abstract=f"We study {topic} with approach {i}.") for i in range(n)]
    # a few topical pool papers that are not in the bibliography
    extra = [_paper(f"2402.{20000 + offset + i:05d}", f"Topical neighbour {i} of {topic} {offset + i}")
             for i in range(3)]
    off = [_paper(f"2503.{30000 + offset + i:05d}", title)
           for i, title in enumerate(["Gravitational wave signals from binary neutron star mergers",
                                      "Dark matter halo profiles in dwarf galaxies",
                                      "Neutrino oscillation measurements at long baselines"])] if off_topic else []
    ids = [p["id"] for p in papers]
    return {
        "id": task_id,
        "topic": topic,
        "since": 2020,
        "target_words": {"min": 150, "max": 600},
        "target_references": {"min": 3, "max": None},
        "reference_survey": {"title": f"A survey of {topic}", "authors": ["S. Urvey"], "year": 2024,
                             "outline": ["Introduction", "Methods", "Applications"]},
        "papers": papers + extra + off,
        "reference_papers": ids,
        "pool": [{"paper_id": i, "role": "reference"} for i in ids]
                + [{"paper_id": p["id"], "role": "topical"} for p in extra]
                + [{"paper_id": p["id"], "role": "off-topic"} for p in off],
        "pooled_reference_ids": ids,
    }


@pytest.fixture
def tasks_dir(tmp_path: Path) -> Path:
    """Two small tasks written as tasks/*.json (the suite format), for fast matrices against the fault server."""
    d = tmp_path / "tasks"
    d.mkdir()
    for tid, topic, off in (("rel-alpha", "graph neural networks", 0), ("rel-beta", "speech recognition", 50)):
        (d / f"{tid}.json").write_text(json.dumps(small_task(tid, topic, offset=off), indent=1))
    return d
