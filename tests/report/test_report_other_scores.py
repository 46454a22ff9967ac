"""Every scored metric appears in some table of report.md and report.tex without --metrics (issue 28, item 10):
plug-in families' scores and scores outside the key set land in "Other scores"."""

from __future__ import annotations

import polars as pl

from harness.report import build_report
from harness.report.tables import latex_escape


def test_plugin_and_non_key_scores_are_in_the_md_and_tex_reports(make_run, tmp_path) -> None:
    run = make_run("plug")
    df = pl.read_parquet(run / "scores.parquet")
    cells = df.select("cell", "task_id", "generator", "seed").unique(maintain_order=True)
    extra = []
    for i, (name, value) in enumerate((("myplugin.novelty", 0.25), ("structure.max_depth", 3.0))):
        extra.append(cells.with_columns(pl.lit(name).alias("score"), (pl.lit(value) + pl.int_range(pl.len()) * 0.01)
                                        .alias("value"), pl.lit("ok").alias("status"), pl.lit("x").alias("explanation"),
                                        pl.lit("{}").alias("details")).select(df.columns))
    pl.concat([df, *extra]).write_parquet(run / "scores.parquet")
    out = build_report(run, "md,tex", out_dir=tmp_path / "rep", n_boot=200)
    md, tex = out["md"].read_text(), out["tex"].read_text()
    names = sorted(set(pl.read_parquet(run / "scores.parquet")["score"].to_list()))
    assert "myplugin.novelty" in names and "structure.max_depth" in names
    missing_md = [n for n in names if n not in md]
    missing_tex = [n for n in names if latex_escape(n) not in tex]
    assert not missing_md and not missing_tex, (missing_md, missing_tex)
    assert "Other scores" in md and "myplugin.novelty | 0.3" in md.replace("**", "")


def test_report_format_csv_has_one_row_per_cell_and_score(make_run, tmp_path) -> None:
    """Issue 28, item 12: `harness report --format csv` writes report.csv, one row per cell x score."""
    from typer.testing import CliRunner

    from harness.cli import app

    run = make_run("csv")
    res = CliRunner().invoke(app, ["report", str(run), "--format", "csv", "--out", str(tmp_path / "rep"),
                                   "--n-boot", "200"])
    assert res.exit_code == 0, res.output
    got = pl.read_csv(tmp_path / "rep" / "report.csv")
    want = pl.read_parquet(run / "scores.parquet")
    assert got.height == want.select("cell", "score").unique().height
    assert got.select("cell", "score").is_unique().all()
    assert set(got.columns) >= {"cell", "task_id", "generator", "seed", "score", "value", "status", "details"}
    row = want.row(0, named=True)
    mine = got.filter((pl.col("cell") == row["cell"]) & (pl.col("score") == row["score"]))
    assert mine["status"][0] == row["status"] and (row["value"] is None or abs(mine["value"][0] - row["value"]) < 1e-9)
