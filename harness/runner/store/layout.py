"""The files of a run directory, and what to do when one of them is damaged."""

from __future__ import annotations

MANIFEST = "manifest.json"
GENERATIONS = "generations.jsonl"
SCORES_LOG = "scores.jsonl"
SCORES = "scores.parquet"
ERRORS = "errors.jsonl"
USAGE = "usage.jsonl"
RUN_LOG = "run.log"

HINTS = {
    SCORES_LOG: "rebuild it with `harness rescore RUN_DIR`",
    GENERATIONS: "restore the file from a backup: the reviews of a run live only there",
    USAGE: "remove the bad line (it only feeds the manifest's counters)",
    ERRORS: "remove the bad line (it only records why cells failed)",
}
