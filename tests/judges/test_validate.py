"""`harness judges validate` end to end: a plug-in method over a small labelled file, shipped sets' mappings,
cards cached and listed, the acceptance figure of the similarity method on SciFact."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.core.errors import HarnessError
from harness.judges.labelsets import SHIPPED, load_labels
from harness.scorers.judge_methods import (RELEVANCE_METHODS, SUPPORT_METHODS, MethodResult, RelevanceJudgment,
                                           RelevanceResult, relevance_method, support_method)

DATA = Path(__file__).parent / "data"
SEEN: dict[str, object] = {}


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def fixed_methods():
    """A support and a relevance plug-in whose verdicts and scores are written in their inputs."""

    @support_method("fixed-test", measures="the verdict written in the evidence")
    def fixed(claims, task, ctx, spec):
        SEEN["task"], SEEN["claims"] = task, claims
        res = MethodResult(model="fixed")
        for c in claims:
            for e in c.evidence:
                v = re.search(r"VERDICT=(\w+)", e.abstract).group(1)
                s = float(re.search(r"SCORE=([\d.]+)", e.abstract).group(1))
                res.set_pair(c.index, e.key, {"yes": True, "no": False}.get(v), s)
        return res

    @relevance_method("fixed-topic-test", measures="on topic when the title says so")
    def fixed_topic(refs, task, ctx, spec):
        SEEN["refs"] = refs
        return RelevanceResult([RelevanceJudgment("on-topic" if "relevant" in (r.title or "").lower() else
                                                  "off-topic", score=1.0 if "relevant" in r.title.lower() else 0.0)
                                for r in refs])

    yield
    SUPPORT_METHODS.remove("fixed-test")
    RELEVANCE_METHODS.remove("fixed-topic-test")


def _validate(*args: str) -> dict:
    res = CliRunner().invoke(app, ["judges", "validate", *args, "--json"])
    assert res.exit_code == 0, res.output + repr(res.exception)
    return json.loads(res.output)


def test_validate_prints_the_hand_counted_figures_of_a_plugin_method(fixed_methods) -> None:
    out = _validate("--judge", "support", "--method", "fixed-test", "--labels", str(DATA / "small_support.jsonl"))
    o = out["figures"]["overall"]
    assert o["n"] == 8 and o["counts"] == {"yes": 4, "no": 3, "unclear": 1}
    assert o["coverage"]["value"] == pytest.approx(6 / 7) and o["accuracy"]["value"] == pytest.approx(4 / 6)
    assert o["kappa"]["value"] == pytest.approx(1 / 3) and o["auroc"]["value"] == pytest.approx(8.5 / 12)
    assert out["figures"]["subgroups"]["CONTRADICT"]["tnr"]["value"] == pytest.approx(0.5)
    assert out["method"] == "fixed-test" and out["label_set"]["name"] == "small_support.jsonl"
    assert len(out["label_set"]["sha256"]) == 64
    assert {i["id"]: i["verdict"] for i in out["items"]}["d"] is None
    # claims are built as scoring builds them: markers cleaned, one Evidence per label (web passage kept)
    claims = SEEN["claims"]
    assert claims[0].text == "Drug X lowers blood pressure ." or "[1]" not in claims[0].text
    assert [len(c.evidence) for c in claims] == [1] * 8 and claims[6].evidence[0].abstract.startswith("VERDICT=no")
    # a label file without a suite task is calibrated on the suite's abstracts, never on its own items
    assert SEEN["task"].id == "own-labels-suite-abstracts"


def test_the_card_is_cached_and_listed(fixed_methods) -> None:
    first = _validate("--judge", "support", "--method", "fixed-test", "--labels", str(DATA / "small_support.jsonl"))
    SEEN.clear()
    again = _validate("--judge", "support", "--method", "fixed-test", "--labels", str(DATA / "small_support.jsonl"))
    assert "claims" not in SEEN, "a cached card must not run the method again"
    assert again["key"] == first["key"] and again["figures"] == first["figures"]
    listed = CliRunner().invoke(app, ["judges", "list"])
    assert listed.exit_code == 0
    line = next(x for x in listed.output.splitlines() if "support (fixed-test" in x)
    assert "balanced accuracy 0.67" in line and "vs user labels" in line
    assert "relevance fixed-topic-test" in listed.output and "not validated" in listed.output


def test_limit_draws_a_stratified_sample(fixed_methods) -> None:
    out = _validate("--judge", "support", "--method", "fixed-test", "--labels", str(DATA / "small_support.jsonl"),
                    "--limit", "4")
    assert out["figures"]["overall"]["counts"] == {"yes": 2, "no": 2, "unclear": 0}
    assert out["label_set"]["limit"] == 4


def test_relevance_labels_with_a_topic_are_judged_under_a_task_free_task(fixed_methods, tmp_path) -> None:
    rows = [{"id": "r1", "topic": "graph neural networks", "title": "A relevant study of message passing",
             "url": "https://arxiv.org/abs/2101.00001", "label": "yes"},
            {"id": "r2", "topic": "graph neural networks", "title": "Cooking pasta at altitude",
             "url": "https://arxiv.org/abs/2101.00002", "label": "no"},
            {"id": "r3", "topic": "graph neural networks", "title": "An invented title with no identifier",
             "label": "yes"}]
    path = tmp_path / "rel.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = _validate("--judge", "relevance", "--method", "fixed-topic-test", "--labels", str(path))
    verdicts = {i["id"]: i["verdict"] for i in out["items"]}
    assert verdicts == {"r1": True, "r2": False, "r3": False}
    # each reference carries the class scoring gives it; r3 has no identifier and matches no paper
    assert [r.ref_class for r in SEEN["refs"]] == ["identified", "identified", "unidentified"]
    groups = {i["id"]: i["groups"] for i in out["items"]}
    assert groups["r3"] == ["class=unidentified"] and groups["r1"] == ["class=identified"]
    assert out["figures"]["subgroups"]["class=identified"]["balanced_accuracy"]["value"] == 1.0
    assert out["figures"]["subgroups"]["class=unidentified"]["tpr"]["value"] == 0.0


def test_viewer_labels_give_their_label_from_the_agreement(tmp_path) -> None:
    rows = [{"id": "v1", "sentence": "S.", "abstract": "A.", "verdict_shown": "yes", "agreement": "disagree",
             "method": "similarity", "run": "r", "cell": "c"},
            {"id": "v2", "sentence": "S.", "abstract": "A.", "verdict_shown": "no", "agreement": "agree"},
            {"type": "rating", "id": "r1", "cell": "c", "ratings": {"coverage": 4}}]  # skipped: no verdict
    path = tmp_path / "annotations.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    labels = load_labels(str(path)).labels
    assert [lab.label for lab in labels] == ["no", "no"] and labels[0].judge == "support"


def test_an_unknown_method_or_judge_is_one_line() -> None:
    res = CliRunner().invoke(app, ["judges", "validate", "--judge", "support", "--method", "telepathy",
                                   "--labels", str(DATA / "small_support.jsonl")])
    assert isinstance(res.exception, HarnessError) and "unknown support method 'telepathy'" in str(res.exception)
    res = CliRunner().invoke(app, ["judges", "validate", "--judge", "relevance", "--labels",
                                   str(DATA / "small_support.jsonl")])
    assert "holds no relevance labels (it holds support labels" in str(res.exception)
    with pytest.raises(HarnessError, match="no split 'holdout'"):
        load_labels("check-covid", "holdout")


needs_data = pytest.mark.skipif(not (SHIPPED and Path(load_labels.__globals__["labels_root"]()).is_dir()),
                                reason="the shared label data is not beside the repo")


@needs_data
def test_shipped_sets_are_mapped_as_documented() -> None:
    sci = load_labels("scifact")
    assert len(sci.labels) == 208 and sum(lab.label == "yes" for lab in sci.labels) == 137
    assert {lab.subgroup for lab in sci.labels} == {"SUPPORT", "CONTRADICT"}
    cov = load_labels("check-covid")  # test split: 180 composed + 49 extracted claims
    assert len(cov.labels) == 229 and sum(lab.label == "yes" for lab in cov.labels) == 57 + 20
    assert cov.calibration_split == "train"
    wice = load_labels("wice")
    assert len(wice.labels) == 358 and sum(lab.label == "yes" for lab in wice.labels) == 111
    assert {lab.subgroup for lab in wice.labels if lab.label == "no"} == {"partially_supported", "not_supported"}
    rel = load_labels("relevance-real-outputs")
    assert len(rel.labels) == 211 and {lab.judge for lab in rel.labels} == {"relevance"}
    assert sum(lab.label == "unclear" for lab in rel.labels) == 27


@needs_data
def test_similarity_on_scifact_reproduces_the_measured_auroc() -> None:
    """The issue's measurement: AUROC 0.58 of the similarity method on SciFact's 208 claims."""
    out = _validate("--judge", "support", "--method", "similarity", "--labels", "scifact")
    assert out["figures"]["overall"]["n"] == 208
    assert abs(out["figures"]["overall"]["auroc"]["value"] - 0.58) <= 0.05


def test_nli_without_its_model_is_one_line_naming_the_option(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    res = CliRunner().invoke(app, ["judges", "validate", "--judge", "support", "--method", "nli", "--model",
                                   "no-such-org/no-such-nli-model", "--labels", str(DATA / "small_support.jsonl")])
    exc = res.exception
    assert isinstance(exc, HarnessError) and "\n" not in str(exc)
    assert "cannot load the NLI model 'no-such-org/no-such-nli-model'" in str(exc)
    assert exc.field == "--model" and "--support-model" not in str(exc)


def test_nli_with_a_local_model_yields_scores_for_every_label(tmp_path) -> None:
    """Mechanics with a tiny random cross-encoder (not accuracy): every label judged, a score each."""
    from tests.reliability.tiny_nli import build_tiny_nli

    model = build_tiny_nli(tmp_path / "tiny-nli")
    out = _validate("--judge", "support", "--method", "nli", "--model", str(model), "--labels",
                    str(DATA / "small_support.jsonl"))
    o = out["figures"]["overall"]
    assert o["coverage"]["value"] == 1.0 and o["scored"] == 7 and o["auroc"]["value"] is not None
    assert out["model"] == str(model) and out["prompt_hash"]


def test_viewer_labels_are_judged_under_their_run_cells_task(fixed_methods, tmp_path) -> None:
    """A label from a run (cell "task|generator|seed") is judged under that suite task, as scoring judged it."""
    from harness.tasks.suite import load_suite

    task_id = next(iter(load_suite()))
    rows = [{"id": f"v{i}", "sentence": "S.", "abstract": f"VERDICT={v} SCORE=0.{i}", "verdict_shown": "yes",
             "agreement": a, "method": "fixed-test", "annotator": "ann", "cell": f"{task_id}|gen|0"}
            for i, (v, a) in enumerate([("yes", "agree"), ("no", "disagree"), ("yes", "unsure")], 1)]
    path = tmp_path / "annotations.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = _validate("--judge", "support", "--method", "fixed-test", "--labels", str(path))
    assert SEEN["task"].id == task_id
    assert out["figures"]["overall"]["counts"] == {"yes": 1, "no": 1, "unclear": 1}
    assert set(out["figures"]["subgroups"]) == {"method=fixed-test", "annotator=ann"}
