"""scorers.relevance: validated against the registry; configs without it keep their hash; the runner passes it."""

from __future__ import annotations

import pytest


def test_unknown_relevance_method_is_a_config_error_and_absence_keeps_the_hash():
    from harness.config import ExperimentConfig
    from harness.errors import HarnessError

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


def test_the_default_is_the_neighbours_method():
    from harness.scorers.judge_methods import DEFAULT_RELEVANCE, RELEVANCE_METHODS

    assert DEFAULT_RELEVANCE == "neighbours" and {"neighbours", "title_similarity", "llm"} <= set(
        RELEVANCE_METHODS.names())
