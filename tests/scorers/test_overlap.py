"""Overlap with a reference text: ROUGE and full-text windowed BERTScore on a synthetic task with reference_text."""

from __future__ import annotations

import pytest

from harness.models import Review
from harness.scorers import ScoringContext
from harness.scorers.overlap import bertscore_full, rouge, score_overlap

from .builders import resolved


@pytest.fixture(scope="module")
def task_with_text(stfm_task):
    ref = ("Spatio-temporal foundation models are pre-trained on large traffic and weather datasets. "
           "They adapt to new cities with prompting and fine-tuning. ") * 200  # ~3,600 words: beyond 512 tokens
    return stfm_task.model_copy(update={"reference_text": ref})


def _run(review, task, ctx):
    return {s.name: s for s in score_overlap(resolved(review, task), task, ctx)}


def test_identical_text_scores_one_and_unrelated_lower(task_with_text, ctx):
    same = _run(Review(source_format="markdown", text=task_with_text.reference_text), task_with_text, ctx)
    assert same["overlap.rouge1"].value == pytest.approx(1.0)
    assert same["overlap.bertscore_f1"].value == pytest.approx(1.0, abs=1e-4)
    assert same["overlap.bertscore_f1"].details["candidate_tokens"] > 2000  # the whole text, not 512 tokens
    other = _run(Review(source_format="markdown", text="Galaxies form in dark matter halos. " * 50),
                 task_with_text, ctx)
    assert other["overlap.rouge2"].value < 0.05
    assert other["overlap.bertscore_f1"].value < same["overlap.bertscore_f1"].value - 0.1


def test_tail_of_long_text_counts(task_with_text):
    base = "Traffic forecasting with graphs. " * 300
    a = bertscore_full(base + "Quantum chromodynamics of gluons. " * 100, base)
    b = bertscore_full(base, base)
    assert a["precision"] < b["precision"]  # text beyond 512 tokens changes the score


def test_rouge_uses_stemming():
    assert rouge("models predicting", "model predicts")["rouge1"] == pytest.approx(1.0)


def test_no_reference_text_is_not_applicable(stfm_task, ctx, seed_scores):
    s = _run(Review(source_format="markdown", text="x"), stfm_task, ctx)
    assert {x.status for x in s.values()} == {"not_applicable"}
    assert seed_scores["overlap.rouge1"].status == "not_applicable"


def test_extra_local_evaluate_metric(tmp_path, task_with_text):
    d = tmp_path / "word_ratio"
    d.mkdir()
    (d / "word_ratio.py").write_text('''
import datasets
import evaluate


class WordRatio(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(description="words(prediction) / words(reference)", citation="", inputs_description="",
                                   features=datasets.Features({"predictions": datasets.Value("string"),
                                                               "references": datasets.Value("string")}))

    def _compute(self, predictions, references):
        return {"ratio": len(predictions[0].split()) / len(references[0].split())}
''')
    ctx = ScoringContext(extra_metrics=[str(d)])
    s = _run(Review(source_format="markdown", text="one two three"), task_with_text.model_copy(
        update={"reference_text": "one two three four five six"}), ctx)
    assert s["overlap.extra.word_ratio.ratio"].value == pytest.approx(0.5)
