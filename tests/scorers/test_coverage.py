"""Coverage scorers: SurveyBench pooled precision reproduced on its own files, soft heading recall, method names."""

from __future__ import annotations

import json
import statistics

import numpy as np
import pytest

from harness.scorers.coverage import (heading_soft_recall, method_name, method_names, mentioned, pooled_precision,
                                      soft_cardinality)


def _ids(path) -> list[str]:
    return list(json.loads(path.read_text()).keys())


def _pair_human_surveys(bench) -> dict[str, str]:
    """topic -> human_written_ref file: each human survey pairs with the topic whose pool holds most of its ids
    (SurveyBench builds each topic's pool from about ten surveys including that human one)."""
    topics = [t.strip() for t in (bench / "topics.txt").read_text().splitlines() if t.strip()]
    pools = {t: set(_ids(bench / "ref_bench" / f"{t}_bench.json")) for t in topics}
    pairs: dict[str, str] = {}
    for f in sorted((bench / "human_written_ref").glob("*.json")):
        ids = set(_ids(f))
        best = max(topics, key=lambda t: len(ids & pools[t]) / max(1, len(ids)))
        assert best not in pairs, f"{f.name} and {pairs.get(best)} both pair with {best}"
        pairs[best] = f.name
    assert len(pairs) == len(topics) == 10
    return pairs


def test_pooled_precision_reproduces_surveybench_published_means(shared_dir):
    bench = shared_dir / "data" / "surveybench"
    pairs = _pair_human_surveys(bench)
    human, generated = [], []
    for topic, fname in pairs.items():
        pooled = _ids(bench / "ref_bench" / f"{topic}_bench.json")
        h, _ = pooled_precision(_ids(bench / "human_written_ref" / fname), pooled)
        g, _ = pooled_precision(_ids(bench / "generated_surveys_ref" / topic / "exp_1" / "ref.json"), pooled)
        human.append(h)
        generated.append(g)
        print(f"{topic:60s} human {h:.4f} generated {g:.4f}")
    print(f"mean human {statistics.mean(human):.6f} generated {statistics.mean(generated):.6f}")
    assert round(statistics.mean(human), 4) == 0.6294
    assert round(statistics.mean(generated), 4) == 0.4655


def test_pooled_precision_definition_on_small_lists():
    pooled = ["2301.00001v2", "2305.12345", "hep-th/9901001"]
    # versions stripped; old-style and not-older-than-newest ids dropped; 2305.12345 itself is the newest -> dropped
    value, det = pooled_precision(["2301.00001", "2302.00002v1", "hep-th/9901001", "2305.12345", "2306.00001"],
                                  pooled)
    assert det["kept"] == 2 and det["hits"] == 1
    assert value == 0.5
    assert pooled_precision(["2306.00001"], pooled)[0] is None  # nothing kept: not a silent 0


def test_soft_cardinality_counts_duplicates_once():
    e = np.eye(3, dtype=np.float32)
    assert soft_cardinality(e @ e.T) == pytest.approx(3.0)
    same = np.ones((3, 3), dtype=np.float32)
    assert soft_cardinality(same) == pytest.approx(1.0)


def test_heading_soft_recall_full_partial_none():
    g = np.eye(4, dtype=np.float32)[:2]
    assert heading_soft_recall(g, g) == pytest.approx(1.0)
    assert heading_soft_recall(g, np.eye(4, dtype=np.float32)[:1]) == pytest.approx(0.5)
    assert heading_soft_recall(g, np.eye(4, dtype=np.float32)[2:]) == pytest.approx(0.0)


def test_method_names_are_short_name_like_prefixes():
    assert method_name("UniST: A Prompt-Empowered Universal Model for Urban Spatio-Temporal Prediction") == "UniST"
    assert method_name("OpenCity: Open Spatio-Temporal Foundation Models for Traffic Prediction") == "OpenCity"
    assert method_name("Lag-Llama: Towards Foundation Models for Time Series Forecasting") == "Lag-Llama"
    assert method_name("MS MARCO: A Human Generated MAchine Reading COmprehension Dataset") == "MS MARCO"
    assert method_name("Spatio-Temporal Graph Neural Networks: A Survey") is None
    assert method_name("Open-Set Recognition: a Good Closed-Set Classifier is All You Need") is None
    assert method_name("Survey: deep learning") is None
    assert method_name("Attention Is All You Need") is None
    assert method_names(["UniST: a", "UniST: b", "PTR: c"]) == ["UniST", "PTR"]


def test_method_mention_is_case_sensitive_whole_word():
    assert mentioned("UniST", "models such as UniST, OpenCity")
    assert not mentioned("UniST", "unist is lower case")
    assert not mentioned("PTR", "PTRX is another")
    assert not mentioned("Time-LLM", "Time-LLM-2 differs")


def test_seed_covers_none_of_the_bibliography(seed_scores):
    s = seed_scores["coverage.recall"]
    assert s.status == "ok" and s.value == 0.0
    assert seed_scores["coverage.precision"].value == 0.0
    assert seed_scores["coverage.pooled_precision"].status == "not_applicable"  # stfm has no pooled ids
    h = seed_scores["coverage.heading_soft_recall"]
    assert h.status == "ok" and 0.0 <= h.value <= 1.0
    m = seed_scores["coverage.method_recall"]
    assert m.status == "ok" and m.value < 0.1, m.details["mentioned"]


def test_autosurvey_outputs_cover_their_bibliographies(autosurvey_scores):
    for name, scores in autosurvey_scores.items():
        r = scores["coverage.recall"]
        print(name, "recall", r.value, "pooled precision", scores["coverage.pooled_precision"].value)
        assert r.status == "ok" and r.value > 0, name
        assert scores["coverage.pooled_precision"].status == "ok", name


def test_reference_entries_the_text_never_cites_cover_nothing(stfm_task, ctx):
    from harness.readers import parse_text
    from harness.scorers import score_review

    bib = [stfm_task.paper(pid) for pid in stfm_task.reference_papers[:5]]
    listed = "\n".join(f"[{i}] {p.title}" for i, p in enumerate(bib, 1))
    padded = parse_text(f"# STFMs\n\n## 1 Introduction\n\nModels forecast traffic well.\n\n## References\n\n{listed}\n",
                        format="markdown")
    s = {x.name: x for x in score_review(padded, stfm_task, ctx, ["coverage", "citations"])}
    # a list the text never cites cannot be linked to it: not_applicable with that reason, never an ok 0
    for name in ("coverage.recall", "coverage.precision", "citations.on_topic_rate", "citations.valid_rate"):
        assert s[name].status == "not_applicable", name
        assert "no in-text citation" in s[name].explanation

    cited = parse_text(f"# STFMs\n\n## 1 Introduction\n\nModels forecast traffic well [1, 2].\n\n## References\n\n"
                       f"{listed}\n", format="markdown")
    s = {x.name: x for x in score_review(cited, stfm_task, ctx, ["coverage"])}
    assert s["coverage.recall"].value == 2 / len(stfm_task.reference_papers)
    assert s["coverage.precision"].value == 1.0


def test_repeating_headings_cannot_raise_soft_heading_recall(seed_review, stfm_task, ctx):
    # the seed's 31 headings repeated 10x and 102x took soft recall from 0.885 to 0.958 and 0.995 (issue 14)
    from harness.scorers.coverage import _headings

    once = _headings(seed_review, stfm_task, ctx)
    assert once.status == "ok" and once.details["predicted"] == 31
    for times in (10, 102):
        repeated = seed_review.model_copy(update={"sections": list(seed_review.sections) * times})
        s = _headings(repeated, stfm_task, ctx)
        assert s.value == pytest.approx(once.value, abs=1e-6), times
        assert s.details["predicted"] == 31 * times and s.details["distinct"] == once.details["distinct"] == 31
        assert "repeats counted once" in s.explanation
    # near-identical copies (renumbered, re-cased, re-punctuated, marked up) are repeats too
    variants = [s.model_copy(update={"title": f"{9 + i}. **{s.title.upper().lstrip('0123456789. ')}:**"})
                for i, s in enumerate(seed_review.sections)]
    noisy = seed_review.model_copy(update={"sections": list(seed_review.sections) + variants})
    assert _headings(noisy, stfm_task, ctx).value <= once.value + 1e-6


def test_distinct_headings_keep_the_first_of_each_near_identical_group():
    from harness.scorers.coverage import distinct_headings, heading_key

    assert heading_key("2.1 **Traffic  Forecasting:**") == heading_key("traffic forecasting") == "traffic forecasting"
    emb = np.array([[1, 0], [0, 1], [0.99, 0.141], [1, 0]], dtype=np.float32)
    titles = ["Traffic", "Weather", "Traffic models", "Methods"]
    assert distinct_headings(titles, emb) == [0, 1]  # cosine 0.99 and 1.0 with the first: repeats
    assert distinct_headings(titles, emb, threshold=1.01) == [0, 1, 2, 3]  # no cosine merge: keys all differ
