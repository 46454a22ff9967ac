"""scorers.relevance: validated against the registry; configs without it keep their hash; the runner passes it."""

from __future__ import annotations

import pytest


def test_unknown_relevance_method_is_a_config_error_and_absence_keeps_the_hash():
    from harness.config import ExperimentConfig
    from harness.core.errors import HarnessError

    base = "generators:\n  - {name: x, kind: extractive}\n"
    with pytest.raises(HarnessError) as e:
        ExperimentConfig.from_text(base + "scorers:\n  relevance: {method: vibes}\n", source="c.yaml")
    assert "scorers.relevance.method" in str(e.value) and "neighbours" in str(e.value)
    ok = ExperimentConfig.from_text(base + "scorers:\n  relevance: {method: llm, model: openai/gpt-4o-mini}\n")
    assert ok.scorers.relevance.method == "llm" and ok.scorers.relevance.model == "openai/gpt-4o-mini"
    plain = ExperimentConfig.from_text(base)
    assert plain.config_hash() == ExperimentConfig.from_text(base + "scorers: {}\n").config_hash()
    assert ok.config_hash() != plain.config_hash()


def test_the_runner_context_carries_the_relevance_setting():
    from harness.config import ExperimentConfig
    from harness.runner.scoring import scoring_context

    cfg = ExperimentConfig.from_text("generators:\n  - {name: x, kind: extractive}\nscorers:\n  relevance: "
                                     "{method: title_similarity}\n")
    assert scoring_context(cfg, None).relevance.method == "title_similarity"


def test_the_default_is_the_offline_method_with_the_best_measured_balanced_accuracy():
    """Issue 24: the default is the offline method that agrees best with the dev labels (the shipped judge cards
    that scripts/trust_table.py writes); balanced accuracy weighs the on- and off-topic references alike."""
    import json

    from harness.judges.cards import SHIPPED_DIR
    from harness.scorers.judge_methods import DEFAULT_RELEVANCE, RELEVANCE_METHODS

    assert {"contrast", "neighbours", "title_similarity", "llm"} <= set(RELEVANCE_METHODS.names())
    cards = [json.loads(p.read_text()) for p in SHIPPED_DIR.glob("relevance-*-relevance-real-outputs.json")]
    bacc = {c["method"]: c["figures"]["overall"]["balanced_accuracy"]["value"] for c in cards}
    assert {"contrast", "neighbours", "title_similarity"} <= set(bacc)
    assert DEFAULT_RELEVANCE == "contrast" == max(bacc, key=bacc.get)


def test_score_cli_picks_the_relevance_method(seed_path):
    import json

    from typer.testing import CliRunner

    from harness.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["score", str(seed_path), "--task", "stfm-since-2024", "--scorers", "citations",
                              "--relevance", "title_similarity", "--json"])
    assert res.exit_code == 0, res.output
    rate = json.loads(res.stdout)["scores"]["citations.on_topic_rate"]
    assert rate["details"]["method"] == "title_similarity"
    assert {v["method"] for v in rate["details"]["verdicts"]} == {"title_similarity"}
    bad = runner.invoke(app, ["score", str(seed_path), "--task", "stfm-since-2024", "--relevance", "vibes"])
    assert bad.exit_code != 0 and "unknown relevance method 'vibes'" in str(bad.exception)
