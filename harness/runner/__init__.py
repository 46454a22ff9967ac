"""Run an experiment matrix: `experiment` wires the run directory (`run_dir`, `store`), the session's resources
(`resources`), the cells (`cell_runner`, `cell_batch`), where their CPU work runs (`executors`) and the summary."""

from harness.runner.experiment import run_experiment, run_experiment_async
from harness.runner.run_dir import MANIFEST_EVERY_S, new_run_id
from harness.runner.scoring import score_generation, scoring_context
from harness.runner.summary import RunSummary

__all__ = ["MANIFEST_EVERY_S", "RunSummary", "new_run_id", "run_experiment", "run_experiment_async",
           "score_generation", "scoring_context"]
