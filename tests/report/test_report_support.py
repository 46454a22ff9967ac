"""The support-agreement table (Cohen's kappa between support methods) in every report format."""

from __future__ import annotations

import json

from harness.report.assemble import support_tables
from harness.report.tables import to_latex, to_markdown


def _row(gen, method, verdicts, name, **extra):
    return {"cell": f"t|{gen}|0", "generator": gen, "score": name, "status": "ok",
            "details": json.dumps({"method": method, "model": "m", **extra,
                                   "verdicts": [{"pair": p, "supports": v} for p, v in verdicts]})}


ROWS = [_row("g", "similarity", [("0|a", True), ("1|b", False)], "citations.support_rate"),
        _row("g", "llm", [("0|a", True), ("1|b", False)], "citations.support_rate.llm", self_preference=True)]


def test_the_table_shows_kappa_and_self_preference():
    agreement, preference = support_tables(ROWS)
    # two pairs, both methods agree on both: observed 1.0; kappa 1.0 (one yes, one no on each side)
    (row,) = agreement.rows
    assert row[2:] == ["2", "1.000", "1.000"]
    assert sorted(label.split(" |")[0] for label in row[:2]) == ["llm", "similarity"]
    assert preference.rows == [["g"]] and "inflated" in preference.notes[0]
    assert support_tables(ROWS[:1]) == []
    (only,) = support_tables(ROWS[1:])  # one method: no agreement to show; the self-preference still is
    assert only.title.endswith("self-preference")


def test_markdown_and_latex_carry_the_kappa_column():
    table = support_tables(ROWS)[0]
    assert "Cohen's κ" in to_markdown(table) and "| 2 | 1.000 | 1.000 |" in to_markdown(table)
    assert "1.000" in to_latex(table) and "agreement between methods" in to_latex(table)


def test_every_report_format_has_the_agreement_table(make_run, tmp_path):
    import polars as pl

    from harness.report import build_report

    run = make_run("sup")
    scores = pl.read_parquet(run / "scores.parquet")
    first = scores.row(0, named=True)
    extra = pl.DataFrame([{**first, "score": r["score"], "value": 1.0, "status": "ok", "explanation": "",
                           "details": r["details"]} for r in ROWS], schema=scores.schema)
    pl.concat([scores.filter(~pl.col("score").str.starts_with("citations.support_rate")), extra]).write_parquet(
        run / "scores.parquet")
    out = build_report([run], "md,tex,html", out_dir=tmp_path / "rep")
    for kind in ("md", "tex", "html"):
        text = out[kind].read_text(encoding="utf-8")
        assert "agreement between methods" in text and "1.000" in text, kind
    assert 'id="support-agreement"' in out["html"].read_text(encoding="utf-8")
