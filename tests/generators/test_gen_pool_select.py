"""Pool selection: seeded shuffles, BM25 / embedding top-k pick topical papers, `recent` ignores the topic."""

from __future__ import annotations

from harness.generators.base import PoolSelection
from harness.generators.pool_select import derive_seed, newest, select_pool


def _roles(task, papers):
    return [task.role_of(p.id) for p in papers]


def test_derived_seed_depends_on_task_generator_and_seed_only():
    assert derive_seed("t", "g", 0) == derive_seed("t", "g", 0)
    assert len({derive_seed("t", "g", 0), derive_seed("t", "g", 1), derive_seed("t", "h", 0),
                derive_seed("u", "g", 0)}) == 4


def test_all_is_a_seeded_permutation_of_the_pool(small_task):
    sel = PoolSelection(method="all")
    a = select_pool(small_task, sel, 1)
    assert sorted(p.id for p in a) == sorted(p.id for p in small_task.pool_papers())
    assert [p.id for p in a] == [p.id for p in select_pool(small_task, sel, 1)]
    assert [p.id for p in a] != [p.id for p in select_pool(small_task, sel, 2)]


def test_recent_takes_the_newest_regardless_of_topic(small_task):
    picked = select_pool(small_task, PoolSelection(method="recent", k=10), 0)
    years = [p.year or -1 for p in small_task.pool_papers()]
    assert len(picked) == 10
    assert min(p.year or -1 for p in picked) >= sorted(years, reverse=True)[9]
    assert picked == newest(small_task.pool_papers(), 10)


def test_bm25_top_k_prefers_topical_papers_over_off_topic(suite):
    for task in suite.values():
        picked = select_pool(task, PoolSelection(method="topk_bm25", k=10), 0)
        roles = _roles(task, picked)
        assert len(picked) == 10
        assert roles.count("off-topic") <= 2, (task.id, roles)


def test_embedding_top_k_prefers_topical_papers_over_off_topic(suite):
    for task in suite.values():
        picked = select_pool(task, PoolSelection(method="topk_embedding", k=10), 0)
        roles = _roles(task, picked)
        assert roles.count("off-topic") == 0, (task.id, roles)
