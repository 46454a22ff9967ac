"""Failures first: the run's grouped failure summary, and which generators and metrics it leaves without values."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from harness.report.tables import Table
from harness.runner.failures import FailureGroup, generator_of, summary_line


@dataclass
class FailureSummary:
    """The summary line, one row per (model, cause) group, and per generator the metrics left without values."""

    line: str
    groups: list[FailureGroup]
    missing: dict[str, dict[str, int]]  # generator -> metric -> failed cells without a value for it

    def missing_text(self, generator: str) -> str:
        by_metric = self.missing.get(generator, {})
        if not by_metric:
            return "none of the report's metrics"
        return ", ".join(f"{m} ({n})" for m, n in by_metric.items())


def _missing(groups: list[FailureGroup], scores: pl.DataFrame, metrics: list[str]) -> dict[str, dict[str, int]]:
    failed = {c for g in groups for c in g.cells}
    ok = scores.filter(pl.col("cell").is_in(list(failed)) & (pl.col("status") == "ok")
                       & pl.col("value").is_not_null())
    have = set(zip(ok["cell"].to_list(), ok["score"].to_list()))
    out: dict[str, dict[str, int]] = {}
    for g in groups:
        for cell in g.cells:
            gen = generator_of(cell)
            for m in metrics:
                if (cell, m) not in have:
                    out.setdefault(gen, {}).setdefault(m, 0)
                    out[gen][m] += 1
    return out


def failure_summary(groups: list[FailureGroup], scores: pl.DataFrame, metrics: list[str]) -> FailureSummary | None:
    """None when no cell failed."""
    line = summary_line(groups)
    if not line:
        return None
    return FailureSummary(line, groups, _missing(groups, scores, metrics))


def failure_table(fs: FailureSummary) -> Table:
    """One row per failure group: model, cause, cells, generators and the metrics they are left without."""
    rows = []
    for g in fs.groups:
        without = "; ".join(f"{gen}: {fs.missing_text(gen)}" for gen in g.generators)
        rows.append([g.model, g.cause, str(g.count), ", ".join(g.generators), without])
    return Table(
        title="Failed cells by cause",
        columns=["model", "cause", "cells", "generators", "metrics without a value (failed cells)"],
        rows=rows, directions=[None, None, "none", None, None],
        notes=["Failed cells are excluded from every mean, rank and test below and counted as err; resume the run "
               "(harness run --resume RUN_DIR) to retry them."],
        key="failures",
        tex_spec=r"p{3.2cm}p{7cm}rp{3cm}p{8cm}",
    )
