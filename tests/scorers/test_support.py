"""Citation support: claims cleaned once and capped, calibration from the task only, the nli path on a tiny local
cross-encoder, the offline error, and unverifiable claims for every method."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.scorers.builders import paraphrase

from harness.models import Paper, Task
from harness.readers import parse_text
from harness.scorers import ScoringContext, score_review
from harness.scorers import support as support_mod

REPO = Path(__file__).resolve().parents[2]
from tests.reliability.tiny_nli import WORDS


@pytest.fixture(scope="module")
def tiny_nli(tmp_path_factory) -> Path:
    from tests.reliability.tiny_nli import build_tiny_nli

    return build_tiny_nli(tmp_path_factory.mktemp("tiny-nli"))


def _task(abstracts: dict[int, str | None]) -> Task:
    from tests.reliability.conftest import small_task

    data = small_task("support-task", "graph neural networks")
    for i, text in abstracts.items():
        data["papers"][i]["abstract"] = text
    return Task.model_validate(data)


def _review(task: Task, body: str, n: int = 3):
    refs = "\n".join(f"[{i}] {task.papers[i - 1].title}" for i in range(1, n + 1))
    return parse_text(f"# R\n\n{body}\n\n## References\n\n{refs}\n", format="markdown")


def test_a_run_on_sentence_is_cleaned_once_and_capped_with_a_flag(monkeypatch, stfm_task, ctx):
    calls = []
    real = support_mod.clean_sentence
    monkeypatch.setattr(support_mod, "clean_sentence", lambda s: calls.append(len(s)) or real(s))
    p = next(p for p in stfm_task.papers if p.abstract)
    line = "models loop and repeat the same words " * 3 + "[1] " * 2000  # one sentence, 2,000 markers
    review = parse_text(f"# R\n\n{line}\n\n## References\n\n[1] {p.title}\n", format="markdown")
    assert len(review.citations) == 5  # the reader keeps 5 identical markers of a sentence (issue 27)
    s = {x.name: x for x in score_review(review, stfm_task, ctx, ["citations"])}
    assert len(calls) == 1  # before the fix: once per marker (2,000 times over the whole sentence)
    rate = s["citations.support_rate"]
    assert rate.status == "ok" and rate.details["sentences_capped"] == 1
    assert f"longer than {support_mod.SENTENCE_CAP} characters" in rate.explanation
    text, capped = support_mod.claim_text("word " * 1000)
    assert capped and len(text) <= support_mod.SENTENCE_CAP


def test_support_is_calibrated_on_the_task_never_on_the_review(seed_review, stfm_task, ctx, shared_dir):
    from harness.tasks.suite import get_task

    import asyncio

    from harness.generators import GeneratorSpec, build_generator

    # the seed's own abstracts are no evidence (issue 26), so a review citing task papers is scored instead
    review = asyncio.run(build_generator(GeneratorSpec(name="x", kind="extractive")).generate(stfm_task, 0)).review
    review = review.model_copy(update={"citations": [  # paraphrased: no sentence reproduces its source (`copied` pairs are never judged)
        c.model_copy(update={"sentence": paraphrase(c.sentence)}) for c in review.citations]})
    other = [p for p in get_task("vision-transformers").papers if p.abstract][:60]
    assert len(other) >= 10
    padded = review.model_copy(update={"papers": list(review.papers) + [
        Paper(id=f"extra-{i}", title=p.title, abstract=p.abstract) for i, p in enumerate(other)]})
    a = {s.name: s for s in score_review(review, stfm_task, ctx, ["citations"])}["citations.support_rate"]
    b = {s.name: s for s in score_review(padded, stfm_task, ctx, ["citations"])}["citations.support_rate"]
    # before the fix the threshold came from task.papers + review.papers, so the uncited padding moved it
    assert a.value == b.value and a.details["support_threshold"] == b.details["support_threshold"]
    assert a.details["calibration_id"] == b.details["calibration_id"] and len(a.details["calibration_id"]) == 16
    assert a.details["method"] == "similarity" and a.details["model"]


def test_claims_without_abstracts_are_unverifiable_for_every_method(tmp_path, tiny_nli):
    task = _task({0: None, 1: None, 2: None})
    review = _review(task, "Graphs help [1]. Attention helps [2][3].")
    for support in ({"method": "similarity"}, {"method": "nli", "model": str(tiny_nli)},
                    {"method": "llm", "model": "openai/never-called", "api_base": "http://127.0.0.1:9/v1"}):
        ctx = ScoringContext(support=support, judge_cache_dir=tmp_path / "judge")
        s = {x.name: x for x in score_review(review, task, ctx, ["citations"])}
        assert s["citations.unverifiable"].value == 3, support
        assert s["citations.support_rate"].status == "not_applicable", support
        assert "no cited paper has an abstract" in s["citations.support_rate"].explanation
        assert s["citations.support_rate"].details["method"] == support["method"]


def test_nli_loads_a_local_cross_encoder_and_scores_pairs(tiny_nli):
    task = _task({0: "We propose graph networks. Node embeddings by message passing.",
                  1: "Spectral filters on large graphs.", 2: "Attention weighs neighbours."})
    review = _review(task, "Graph networks learn node embeddings [1]. Attention weighs neighbours [2][3].")
    ctx = ScoringContext(support={"method": "nli", "model": str(tiny_nli)})
    s = {x.name: x for x in score_review(review, task, ctx, ["citations"])}
    rate, prec = s["citations.support_rate"], s["citations.support_precision"]
    assert rate.status == "ok" and prec.status == "ok"
    assert rate.details["method"] == "nli" and rate.details["model"] == str(tiny_nli)
    assert rate.details["pairs"] == 3 and rate.details["sentences"] == 2
    v = rate.details["verdicts"]
    copied = [x for x in v if x.get("copied")]  # "Attention weighs neighbours" is abstract 3 verbatim
    assert [(x["item"], x["copied"], x["supports"]) for x in copied] == [(task.papers[2].id, "abstract", False)]
    assert all(0.0 <= x["entailment"] <= 1.0 for x in v if not x.get("copied"))
    assert prec.value == sum(x["supports"] for x in v) / 3


def test_nli_batches_and_windows_long_abstracts(tiny_nli):
    from harness.scorers.support_nli import entailment, windows

    sents = [f"We propose method {w} for graphs." for w in WORDS[:12]]
    long = " ".join(sents)
    wins = windows(long, max_words=14)
    assert len(wins) > 3 and all(len(w.split()) <= 14 for w in wins)
    assert all(s in " ".join(wins) for s in sents)  # nothing is dropped
    assert windows("short premise", max_words=14) == ["short premise"]
    hyp = "graph networks learn node embeddings"
    whole = entailment(str(tiny_nli), [(long, hyp), ("attention weighs neighbours", hyp)], max_words=14)
    per_window = [entailment(str(tiny_nli), [(w, hyp)], max_words=14)[0][0] for w in wins]
    assert whole[0][0] == pytest.approx(max(per_window), abs=1e-6)  # the maximum over windows
    one_by_one = entailment(str(tiny_nli), [(long, hyp), ("attention weighs neighbours", hyp)], max_words=14,
                            batch_size=1)
    assert [round(p, 5) for p, _ in one_by_one] == [round(p, 5) for p, _ in whole]


def test_a_model_without_an_entailment_label_is_refused(tmp_path):
    from transformers import BertConfig, BertForSequenceClassification

    from harness.core.errors import HarnessError
    from harness.scorers.support_nli import load_cross_encoder

    (tmp_path / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a"]))
    from transformers import BertTokenizerFast

    cfg = BertConfig(vocab_size=6, hidden_size=8, num_hidden_layers=1, num_attention_heads=1, intermediate_size=8,
                     num_labels=2)
    BertForSequenceClassification(cfg).save_pretrained(tmp_path)
    BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt")).save_pretrained(tmp_path)
    with pytest.raises(HarnessError, match="no entailment label"):
        load_cross_encoder(str(tmp_path))


def test_offline_without_the_model_the_cli_gives_one_line(tmp_path, seed_path):
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"),
           "PYTHONPATH": str(REPO), "LITELLM_LOCAL_MODEL_COST_MAP": "True", "HARNESS_CACHE_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "harness.cli", "score", str(seed_path), "--task", "stfm-since-2024",
                        "--scorers", "citations", "--support", "nli"], capture_output=True, text=True, env=env,
                       timeout=120, cwd=tmp_path)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip() and "Loading weights" not in ln]
    assert r.returncode == 2, r.stderr
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "cross-encoder/nli-deberta-v3-xsmall" in lines[0] and "HF_HUB_OFFLINE" in lines[0]


def test_unknown_support_method_is_a_config_error():
    from harness.config import ExperimentConfig
    from harness.core.errors import HarnessError

    text = ("generators:\n  - {name: x, kind: extractive}\nscorers:\n  support: {method: entail, model: m}\n")
    with pytest.raises(HarnessError) as e:
        ExperimentConfig.from_text(text, source="c.yaml")
    assert "scorers.support.method" in str(e.value) and "c.yaml" in str(e.value)
    ok = ExperimentConfig.from_text("generators:\n  - {name: x, kind: extractive}\nscorers:\n  support: "
                                    "{method: llm, model: openai/gpt-4o-mini, repeats: 3}\n")
    assert ok.scorers.support.method == "llm" and ok.scorers.support.repeats == 3
    plain = ExperimentConfig.from_text("generators:\n  - {name: x, kind: extractive}\n")
    same = ExperimentConfig.from_text("generators:\n  - {name: x, kind: extractive}\nscorers: {}\n")
    assert plain.config_hash() == same.config_hash()
    assert ok.config_hash() != plain.config_hash()
