"""Metric directions come from the scorer families: every family declares one per score, and the report reads it."""

from __future__ import annotations

import pytest

from harness.core.errors import HarnessError
from harness.models import Score
from harness.report.metrics import direction, higher_is_better, is_ranked, unranked_reason
from harness.report.tables import main_table, to_markdown
from harness.scorers import FAMILIES, NAMES
from harness.scorers.family import DIRECTIONS, REGISTRY, Family, scorer_family


def _toy(resolved, task, ctx) -> list[Score]:
    """toy.* scores for the tests."""
    return []


def test_every_family_declares_a_direction_for_each_of_its_score_names():
    for name, fam in FAMILIES.items():
        assert NAMES[name] == list(fam.scores) and NAMES[name], name
        for score in NAMES[name]:
            assert score.startswith(name + ".")
            assert fam.scores[score] in DIRECTIONS and direction(score) == fam.scores[score], score
    # by construction: a declaration without a valid direction, or with a score outside its family, is refused
    with pytest.raises(HarnessError, match="'toy.x' has direction 'higer'"):
        scorer_family("toy", scores={"toy.x": "higer"})(_toy)
    with pytest.raises(HarnessError, match="does not start with 'toy.'"):
        scorer_family("toy", scores={"other.x": "higher"})(_toy)
    assert "toy" not in REGISTRY


def test_directions_of_known_metrics():
    assert direction("coverage.recall") == "higher" and direction("length.truncated") == "lower"
    assert direction("structure.headings") == "none" and not is_ranked("length.words")
    assert direction("length.target_ratio") == "none" and direction("plan.words_ratio") == "none"  # best at 1
    assert direction("made.up") == "none" and not is_ranked("made.up")  # undeclared: shown, never ranked
    assert direction("length.made_up") == "none"  # a known family that does not declare the name
    assert not higher_is_better("cost.usd") and higher_is_better("citations.valid_rate")


def test_dynamic_score_names_take_their_family_pattern():
    assert direction("citations.support_rate.nli") == "higher"  # an extra support method, as its base name
    assert direction("citations.unverifiable.llm") == "lower"
    assert direction("overlap.extra.word_ratio.ratio") == "none"  # a user's metric: nobody chose a direction


def test_unranked_reason_names_why():
    assert unranked_reason("coverage.recall") is None
    assert "declares no direction" in unranked_reason("structure.headings")
    assert "does not declare it" in unranked_reason("length.made_up")
    assert "no registered scorer family" in unranked_reason("made.up")


def test_the_report_arrows_come_from_the_family(monkeypatch):
    """A family registered later (as a plug-in is) gives the report its arrows; no table elsewhere is edited."""
    monkeypatch.setitem(REGISTRY, "toy", Family("toy", {"toy.up": "higher", "toy.down": "lower",
                                                        "toy.count": "none"}, _toy))
    assert "toy" in FAMILIES and NAMES["toy"] == ["toy.up", "toy.down", "toy.count"]
    table = to_markdown(main_table([], ["g"], ["toy.up", "toy.down", "toy.count"]))
    assert "| toy.up ↑ | toy.down ↓ | toy.count |" in table
    assert is_ranked("toy.down") and not is_ranked("toy.count")
    monkeypatch.setitem(REGISTRY, "toy", Family("toy", {"toy.up": "lower", "toy.down": "lower",
                                                        "toy.count": "higher"}, _toy))
    assert "| toy.up ↓ | toy.down ↓ | toy.count ↑ |" in to_markdown(main_table([], ["g"], ["toy.up", "toy.down",
                                                                                         "toy.count"]))
