"""report.csv: the scores behind the report, one row per cell x score, for spreadsheets and scripts."""

from __future__ import annotations

import polars as pl

COLUMNS = ["cell", "task_id", "generator", "seed", "score", "value", "status", "explanation", "details"]


def scores_csv(scores: pl.DataFrame) -> str:
    """CSV text of the report's scores (generators under their report names, joined runs together), one row per
    cell x score, ordered by cell and score; details stay the score's JSON."""
    return scores.select(COLUMNS).sort(["cell", "score"]).write_csv()
