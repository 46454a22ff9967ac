"""Helpers for users' pytest suites: fail a test when a candidate run regressed against a baseline run."""

from __future__ import annotations

import warnings
from pathlib import Path

from harness.compare import CompareResult, compare, format_table, underpowered_warning
from harness.core.errors import HarnessWarning


def assert_no_regression(baseline: str | Path, candidate: str | Path, gates: dict[str, float],
                         pairs: dict[str, str] | None = None, strict: bool = False, **kwargs) -> CompareResult:
    """Compare two run dirs; raise AssertionError with the comparison table if a gated metric regressed.

    A gate over too few tasks to decide warns (HarnessWarning), or fails when strict, like `compare --strict`.
    """
    result = compare(baseline, candidate, gates=gates, pairs=pairs, **kwargs)
    if result.exit_code(strict):
        what = "regression against the baseline run" if result.regressions else "underpowered gate (--strict)"
        raise AssertionError(f"{what}:\n" + format_table(result, strict=strict))
    weak = underpowered_warning(result)
    if weak:
        warnings.warn(weak, HarnessWarning, stacklevel=2)
    return result
