"""Report tables: n/a excluded and counted, Markdown and LaTeX renderings, manifest summary."""

from __future__ import annotations

import polars as pl

from harness.report import build_report
from harness.report.load import load_run
from harness.report.tables import Table, latex_escape, main_table, manifest_tables, summarize, to_latex, to_markdown


def test_not_applicable_cells_are_excluded_and_counted(make_run):
    na = {(t, "gpt-pw"): {"citations.support_rate"} for t in ["rag-llm-survey", "llm-evaluation-survey"]}
    run = load_run(make_run(na=na))
    summaries = summarize(run.scores, ["citations.support_rate"], ["extractive", "gpt-pw"], n_boot=500)
    by_gen = {s.generator: s for s in summaries}
    assert by_gen["gpt-pw"].n == 8 and by_gen["gpt-pw"].n_na == 4
    ok = run.scores.filter((pl.col("generator") == "gpt-pw") & (pl.col("score") == "citations.support_rate")
                           & (pl.col("status") == "ok"))
    assert by_gen["gpt-pw"].estimate.mean == ok["value"].mean()  # the n/a cells are not averaged in as 0
    table = main_table(summaries, ["extractive", "gpt-pw"], ["citations.support_rate"], {"extractive": 12,
                                                                                        "gpt-pw": 12})
    assert "(n=8; 4 n/a)" in table.rows[1][2]
    assert "n/a" not in table.rows[0][2]


def test_markdown_report_has_main_per_task_and_manifest_tables(make_run):
    run = make_run()
    written = build_report(run, formats="md", n_boot=300)
    md = written["md"].read_text()
    assert written["md"] == run / "report" / "report.md"
    assert "| generator | n | coverage.recall ↑ |" in md
    assert "cost.usd ↓" in md
    assert "## Per task (mean over seeds)" in md
    assert "| stfm-since-2024 | extractive |" in md
    assert "| gpt-pw | llm | openai/gpt-4o-mini | plan_then_write | litellm map | litellm |" in md
    assert "| extractive | extractive | – | – | – | none (offline) |" in md
    assert "version: litellm" in md
    assert "![Cost vs quality](cost_quality.png)" in md
    assert (run / "report" / "cost_quality.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (run / "report" / "heatmap_coverage_recall.png").exists()


def test_latex_escaping_of_special_characters():
    assert latex_escape("a_b & 50% #1 $x$ {y} ~z ^w \\") == (
        r"a\_b \& 50\% \#1 {\char36}x{\char36} $\{$y$\}$ \~{}z \^{}w $\backslash$")
    table = Table(title="R&D_table", columns=["gen_name", "cost.usd"], rows=[["my_gen%1", "0.5"]],
                  directions=[None, "down"], notes=["100% honest"])
    tex = to_latex(table)
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert r"\caption{R\&D\_table}" in tex
    assert r"my\_gen\%1 & 0.5 \\" in tex
    assert r"cost.usd $\downarrow$" in tex
    assert r"100\% honest" in tex
    body = tex.replace(r"\_", "").replace(r"\%", "").replace(r"\&", "")
    assert "_" not in body and "%" not in body


def test_markdown_cells_escape_pipes():
    md = to_markdown(Table(title="t", columns=["a"], rows=[["x|y"]], directions=[None]))
    assert r"| x\|y |" in md


def test_tex_report_is_booktabs_and_escaped(make_run):
    gens = [{"name": "gen_with_underscore", "kind": "llm", "model": "local/gemma-3-270m", "strategy": "zero_shot",
             "price": {"input_per_mtok": 0.5, "output_per_mtok": 1.5}}]
    run = make_run(generators=gens, tasks=["rag-llm-survey", "llm-evaluation-survey"], seeds=(0,))
    tex = build_report(run, formats=["tex"], n_boot=200)["tex"].read_text()
    assert r"gen\_with\_underscore" in tex and "gen_with_underscore" not in tex
    assert tex.count(r"\begin{tabular}") == tex.count(r"\end{tabular}") >= 3
    assert r"0.500 / 1.500" in tex


def test_manifest_price_source_falls_back_to_generations():
    gens = [{"task_id": "t", "generator": "g", "seed": 0,
             "review": {"usage": {"cost_usd": 0.1, "cost_source": "user-set"}}}]
    tabs = manifest_tables({"generators": [{"name": "g", "kind": "llm", "model": "m",
                                            "price": {"input_per_mtok": 1, "output_per_mtok": 2}}]}, gens)
    assert tabs[0].rows == [["g", "llm", "m", "–", "1 / 2", "user-set"]]
