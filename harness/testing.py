"""Helpers for users' pytest suites: fail a test when a candidate run regressed against a baseline run."""

from __future__ import annotations

from pathlib import Path

from harness.compare import CompareResult, compare, format_table


def assert_no_regression(baseline: str | Path, candidate: str | Path, gates: dict[str, float],
                         pairs: dict[str, str] | None = None, **kwargs) -> CompareResult:
    """Compare two run dirs; raise AssertionError with the comparison table if a gated metric regressed."""
    result = compare(baseline, candidate, gates=gates, pairs=pairs, **kwargs)
    if not result.passed:
        raise AssertionError("regression against the baseline run:\n" + format_table(result))
    return result
