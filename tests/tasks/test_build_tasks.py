"""The task builder: deterministic bytes, the committed suite is current, pool recipe and size options."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from harness.tasks.suite import load_suite

REPO = Path(__file__).resolve().parents[2]


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_tasks_script", REPO / "scripts" / "build_tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_tasks = _load_builder()


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.json"))}


@pytest.fixture(scope="module")
def built(shared_dir, tmp_path_factory):
    """The suite built twice, into two separate dirs."""
    a, b = tmp_path_factory.mktemp("build_a"), tmp_path_factory.mktemp("build_b")
    assert build_tasks.main(["--shared", str(shared_dir), "--out", str(a)]) == 0
    assert build_tasks.main(["--shared", str(shared_dir), "--out", str(b)]) == 0
    return a, b


def test_two_builds_are_byte_identical(built):
    a, b = built
    assert len(digests(a)) == 22
    assert digests(a) == digests(b)


def test_committed_tasks_are_what_the_builder_makes(built):
    a, _ = built
    assert digests(REPO / "tasks") == digests(a), "tasks/ is stale: run python scripts/build_tasks.py"


def test_files_are_indent1_json_with_trailing_newline_and_stored_hash(built):
    a, _ = built
    for path in a.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        assert text == json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        assert data["content_hash"]
    total = sum(p.stat().st_size for p in a.glob("*.json"))
    assert total < 10_000_000  # 22 tasks; abstracts (~1 kB each) of every bibliography and pool paper


def test_pool_composition_and_size_option(shared_dir, tmp_path):
    build_tasks.main(["--shared", str(shared_dir), "--out", str(tmp_path), "--pool-size", "40"])
    suite = load_suite(tmp_path)
    roles = {tid: {r: sum(1 for i in t.pool if i.role == r) for r in build_tasks.ROLES} for tid, t in suite.items()}
    assert roles["stfm-since-2024"] == {"reference": 16, "topical": 10, "near-topic": 6, "off-topic": 8}
    assert roles["rag-llm-survey"] == {"reference": 20, "topical": 0, "near-topic": 10, "off-topic": 10}
    assert suite["rag-llm-survey"].target_references.max == 40
    assert suite["stfm-since-2024"].target_references.min == 16  # capped at the pool's reference papers


def test_custom_mix(shared_dir, tmp_path):
    build_tasks.main(["--shared", str(shared_dir), "--out", str(tmp_path),
                      "--mix-default", "reference=0.6,near-topic=0.2,off-topic=0.2"])
    rag = load_suite(tmp_path)["rag-llm-survey"]
    assert rag.provenance["pool_recipe"]["counts"] == {"reference": 36, "topical": 0, "near-topic": 12,
                                                        "off-topic": 12}


def test_bad_mix_is_rejected():
    with pytest.raises(SystemExit, match="sum to 1"):
        build_tasks.parse_mix("reference=0.9,off-topic=0.2")
    with pytest.raises(SystemExit, match="unknown pool role"):
        build_tasks.parse_mix("relevant=1.0")


def test_role_counts_always_sum_to_size():
    for size in range(1, 101):
        for mix in (build_tasks.MIX_SPATIOTEMPORAL, build_tasks.MIX_DEFAULT):
            assert sum(build_tasks.role_counts(size, mix).values()) == size


def test_spatiotemporal_tasks_do_not_borrow_each_others_papers():
    suite = load_suite(REPO / "tasks")
    stfm, lm = suite["stfm-since-2024"], suite["lm-timeseries-spatiotemporal"]
    assert "lm-timeseries-spatiotemporal" not in stfm.provenance["pool_recipe"]["near_topic_from"]
    for a, b in ((stfm, lm), (lm, stfm)):
        near = {i.paper_id for i in a.pool if i.role == "near-topic"}
        assert near and not near & b.reference_set


def test_distractors_avoid_the_pooled_set():
    for task in load_suite(REPO / "tasks").values():
        pooled = set(task.pooled_reference_ids)
        assert not {i.paper_id for i in task.pool if i.role in ("near-topic", "off-topic")} & pooled


def test_years_from_new_style_arxiv_ids_only():
    assert build_tasks.year_from_arxiv("2506.01364v2") == 2025
    assert build_tasks.year_from_arxiv("cs/9605103") is None
    assert build_tasks.year_from_arxiv(None) is None
