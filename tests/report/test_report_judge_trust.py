"""Every judged score of a report carries its judge's card line (or "not validated"), in md, tex and html."""

from __future__ import annotations

import json

import pytest

from harness.judges import cards
from harness.judges.agreement import agreement
from harness.report import build_report


@pytest.fixture(autouse=True)
def _no_cards(tmp_path, monkeypatch):
    """An empty card store and no shipped cards: every judge starts unvalidated."""
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cards, "SHIPPED_DIR", tmp_path / "no-shipped-cards")


def _card(judge: str, method: str, label_set: str = "scifact", who: str = "SciFact experts") -> cards.JudgeCard:
    agr = agreement(["yes", "yes", "no", "no"], [True, False, False, True], [0.9, 0.4, 0.2, 0.6])
    return cards.JudgeCard(key=f"k-{judge}-{method}", judge=judge, method=method,
                           label_set=cards.LabelSetRef(name=label_set, path="/x", split="test", sha256="0" * 64,
                                                       who=who), figures=agr)


def test_unvalidated_judges_say_so_on_every_judged_score(make_run, tmp_path) -> None:
    run = make_run()
    out = build_report(run, formats="md,tex,html", out_dir=tmp_path / "rep", n_boot=50)
    md = out["md"].read_text()
    table = md.split("How far to trust the judged scores", 1)[1].split("\n#", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("| citations.")]
    assert {r.split("|")[1].strip() for r in rows} == {"citations.on_topic_rate", "citations.support_rate"}
    assert all("not validated" in r for r in rows)
    assert "coverage.recall |" not in table  # not a judged score
    assert "not validated" in out["tex"].read_text() and "judge-trust" in out["html"].read_text()


def test_a_card_line_replaces_not_validated(make_run, tmp_path) -> None:
    cards.save(_card("support", "similarity"))
    run = make_run()
    md = build_report(run, formats="md", out_dir=tmp_path / "rep", n_boot=50)["md"].read_text()
    line = next(r for r in md.splitlines() if r.startswith("| citations.support_rate"))
    # the card's figures: TPR 1/2, TNR 1/2 -> balanced accuracy 0.50; AUROC: .9 .4 vs .2 .6 -> 3 of 4 pairs
    assert "support (similarity): balanced accuracy 0.50" in line and "AUROC 0.75" in line
    assert "vs SciFact experts (scifact test, n=4)" in line
    on_topic = next(r for r in md.splitlines() if r.startswith("| citations.on_topic_rate"))
    assert "relevance (title_similarity): not validated" in on_topic


def test_the_manifest_records_the_cards_of_the_run_and_copies_them_beside_it(tmp_path) -> None:
    from harness.config import ExperimentConfig
    from harness.judges.trust import record_cards, uses_in_config

    cards.save(_card("support", "similarity"))
    cfg = ExperimentConfig.default()
    recorded = record_cards(tmp_path / "run", uses_in_config(cfg))
    by = {r["judge"]: r for r in recorded}
    assert by["support"]["card"] == "k-support-similarity" and "citations.support_rate" in by["support"]["metrics"]
    copied = json.loads((tmp_path / "run" / by["support"]["file"]).read_text())
    assert copied["key"] == "k-support-similarity"
    assert by["relevance"]["card"] is None and "not validated" in by["relevance"]["line"]
