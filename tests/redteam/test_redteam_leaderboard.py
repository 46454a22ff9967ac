"""On the default experiment's own tasks and scorers, every negative control ranks below `extractive` on the
report's mean win rate (issue 26's acceptance; the local-model cells are left out: they need llama.cpp and add
nothing to this claim). Runs the twelve default tasks x eight offline generators (~15 s)."""

from __future__ import annotations

import pytest

from harness.config import load_config
from harness.generators import calls_provider
from harness.generators.controls import CONTROLS


@pytest.mark.slow
def test_default_leaderboard_ranks_every_control_below_extractive(tmp_path):
    from harness.runner import run_experiment

    config = load_config(None)
    controls = [g.name for g in config.generators if g.kind in CONTROLS]
    assert {g.kind for g in config.generators if g.kind in CONTROLS} == set(CONTROLS)  # all six ship by default
    offline = [g for g in config.generators if not calls_provider(g)]
    config = config.model_copy(update={"generators": offline})
    run_experiment(config, run_dir=tmp_path / "run", progress=False)
    overall = {s.generator: s for s in overall_board(tmp_path / "run").standings}
    top = overall["extractive"].win_rate.mean
    for name in controls:
        assert overall[name].win_rate.mean < top, (name, overall[name].win_rate.mean, top)


def overall_board(run_dir):
    """The report's overall board of a run, built as `harness report` builds it (default metrics)."""
    from harness.report import cost_from_generations, tables
    from harness.report.assemble import choose_metrics
    from harness.report.leaderboard import overall_board as board
    from harness.report.load import load_run

    data = load_run(run_dir)
    scores = cost_from_generations(data.scores, data.generations)
    metrics = choose_metrics(sorted(set(scores["score"].to_list())), None)
    return board(scores, metrics, tables.generator_order(scores, data.manifest), n_boot=200)
