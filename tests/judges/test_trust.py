"""Which judge a score counts (declared by its family, plug-ins included) and the line shown for it."""

from __future__ import annotations

import pytest

from harness.judges import cards
from harness.judges.trust import trust_line, uses_in_scores
from harness.models import Score
from harness.scorers.family import judge_of, scorer_family


@pytest.fixture(autouse=True)
def _no_cards(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cards, "SHIPPED_DIR", tmp_path / "none")


def test_builtin_families_declare_their_judged_scores() -> None:
    assert judge_of("citations.on_topic_rate") == "relevance"
    assert judge_of("citations.support_rate") == judge_of("citations.support_precision.nli") == "support"
    assert judge_of("judge.coverage") == "rubric"
    assert judge_of("citations.unverifiable") is None and judge_of("coverage.recall") is None


def test_a_plugin_family_declares_its_judged_score(plugin_registries) -> None:
    @scorer_family("myfam", scores={"myfam.backed": "higher", "myfam.count": "none"},
                   judges={"myfam.backed": "support"})
    def myfam(resolved, task, ctx):
        return [Score.ok("myfam.backed", 0.5, "half")]

    uses = uses_in_scores([("myfam.backed", '{"method": "nli", "model": "m"}'), ("myfam.count", "{}")])
    assert [(u.judge, u.method, u.model, u.metrics) for u in uses] == [("support", "nli", "m", ("myfam.backed",))]
    assert trust_line("support", "nli", "m") == "support (nli, m): not validated"
    assert trust_line("rubric", "rubric") == ("rubric (rubric): not validated (no human label set for this judge "
                                              "yet)")


def test_a_config_that_names_no_method_uses_the_scorers_defaults() -> None:
    """The judges a run records are the ones its scores use: the registry's defaults, not a hard-coded older one."""
    from harness.config import ExperimentConfig
    from harness.judges.trust import uses_in_config
    from harness.scorers.judge_methods import DEFAULT_RELEVANCE, DEFAULT_SUPPORT

    chosen = {u.judge: u.method for u in uses_in_config(ExperimentConfig.default())}
    assert chosen["relevance"] == DEFAULT_RELEVANCE == "contrast"
    assert chosen["support"] == DEFAULT_SUPPORT == "similarity"
