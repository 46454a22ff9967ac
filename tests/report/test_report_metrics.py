"""Every score name the scorers emit declares a direction, read through one function."""

from __future__ import annotations

from harness.report.metrics import DIRECTIONS, direction, higher_is_better, is_ranked
from harness.scorers import NAMES


def test_every_score_name_declares_a_direction():
    names = [n for family in NAMES.values() for n in family]
    undeclared = [n for n in names if n not in DIRECTIONS]
    assert undeclared == []
    assert {direction(n) for n in names} <= {"higher", "lower", "none"}


def test_directions_of_known_metrics():
    assert direction("coverage.recall") == "higher" and direction("length.truncated") == "lower"
    assert direction("structure.headings") == "none" and not is_ranked("length.words")
    assert direction("made.up") == "none" and not is_ranked("made.up")  # undeclared: shown, never ranked
    assert not higher_is_better("cost.usd") and higher_is_better("citations.valid_rate")
