"""The shipped negative controls: each is an offline generator kind, and the defence it exercises fires on it."""

from __future__ import annotations

import asyncio

import pytest

from harness.generators import GeneratorSpec, build_generator, calls_provider, kinds
from harness.generators.controls import CONTROLS

# control -> (score, the verdict the defence gives on T)
DEFENCES = {
    "bibliography_dump": ("degeneracy.dumped_citations", lambda v: v == 1.0),
    "abstract_paste": ("degeneracy.copied", lambda v: v == 1.0),
    "title_paste": ("degeneracy.copied", lambda v: v >= 0.9),
    "filler_padding": ("length.in_target", lambda v: v == 0.0),
    "repeated_paragraph": ("degeneracy.repeated_sentences", lambda v: v >= 0.95),
    "headings_only": ("degeneracy.empty_sections", lambda v: v == 1.0),
}


def test_every_control_is_an_offline_kind():
    assert set(CONTROLS) == set(DEFENCES) and set(CONTROLS) <= set(kinds())
    for kind in CONTROLS:
        assert not calls_provider(GeneratorSpec(name=kind, kind=kind))
        assert "negative control" in (CONTROLS[kind].__doc__ or "")


@pytest.mark.parametrize("kind", sorted(DEFENCES))
def test_control_is_caught_by_its_defence(kind, task, score):
    gen = asyncio.run(build_generator(GeneratorSpec(name=kind, kind=kind)).generate(task, 0))
    s = score(gen.review, task)
    name, ok = DEFENCES[kind]
    assert s[name].status == "ok" and ok(s[name].value), (name, s[name].explanation)
    sub = s["coverage.substantive_recall"]
    assert sub.value is None or sub.value <= 0.05  # no control covers the field in substance
