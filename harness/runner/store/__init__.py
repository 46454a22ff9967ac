"""A run directory on disk: `layout` (its files), `jsonl` (append-only JSONL primitives), `writer` (RunStore, the
one writer), `reader` (manifest, config, generations, usage, errors) and `scores` (the scores table)."""

from harness.runner.store.jsonl import JsonlRead, iter_jsonl, read_jsonl_lenient, repair_jsonl
from harness.runner.store.layout import ERRORS, GENERATIONS, MANIFEST, RUN_LOG, SCORES, SCORES_LOG, USAGE
from harness.runner.store.reader import (generation_counts, load_manifest, read_errors, read_generations,
                                         read_manifest, read_run_config, read_usage, scored_generation)
from harness.runner.store.scores import SCORE_SCHEMA, ScoresRead, read_scores, read_scores_checked, scores_frame
from harness.runner.store.writer import RunStore, may_hold_secrets

__all__ = ["ERRORS", "GENERATIONS", "MANIFEST", "RUN_LOG", "SCORES", "SCORES_LOG", "SCORE_SCHEMA", "USAGE",
           "JsonlRead", "RunStore", "ScoresRead", "generation_counts", "iter_jsonl", "load_manifest",
           "may_hold_secrets", "read_errors", "read_generations", "read_jsonl_lenient", "read_manifest",
           "read_run_config", "read_scores", "read_scores_checked", "read_usage", "repair_jsonl", "scored_generation",
           "scores_frame"]
