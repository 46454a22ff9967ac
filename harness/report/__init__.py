"""Reports of a run: Markdown / LaTeX tables with bootstrap CIs, plots, and a self-contained HTML report."""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from pathlib import Path
from typing import Iterable

import polars as pl

from harness.errors import HarnessError
from harness.report.load import RunData, load_run
from harness.report.metrics import COST_METRIC, QUALITY_METRICS, default_metrics
from harness.report.stats import N_BOOT

FORMATS = ("md", "tex", "html")


def _write_atomic(path: Path, data: str | bytes) -> None:
    """Write via a temp file in the same folder and rename, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cost_from_generations(scores: pl.DataFrame, generations: list[dict]) -> pl.DataFrame:
    """Add cost.usd rows from the generations' recorded usage when the scorers did not produce them."""
    if COST_METRIC in set(scores["score"].to_list()) or not generations:
        return scores
    rows = []
    for g in generations:
        usage = ((g.get("review") or {}).get("usage") or {})
        cost = usage.get("cost_usd")
        if cost is None and g.get("calls"):
            costs = [c.get("cost_usd") for c in g["calls"]]
            cost = sum(costs) if costs and all(c is not None for c in costs) else None
        cell = g.get("cell") or f"{g.get('task_id')}|{g.get('generator')}|{g.get('seed')}"
        ok = cost is not None
        rows.append({"cell": cell, "task_id": str(g.get("task_id")), "generator": str(g.get("generator")),
                     "seed": int(g.get("seed") or 0), "score": COST_METRIC, "value": float(cost) if ok else None,
                     "status": "ok" if ok else "not_applicable",
                     "explanation": "from the generation's recorded usage" if ok else "no cost recorded",
                     "details": "{}"})
    return pl.concat([scores, pl.DataFrame(rows, schema=scores.schema)]) if rows else scores


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def parse_formats(formats: str | Iterable[str] | None) -> list[str]:
    """'md,tex,html' or a list -> validated list of formats."""
    if formats is None:
        return list(FORMATS)
    items = formats.split(",") if isinstance(formats, str) else [p for f in formats for p in str(f).split(",")]
    out = [f.strip().lower().lstrip(".") for f in items if f.strip()]
    out = ["md" if f == "markdown" else "tex" if f == "latex" else f for f in out]
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise HarnessError(f"unknown report format {bad[0] if bad else ''!r}", field="--format",
                           hint=f"choose from {', '.join(FORMATS)}")
    return list(dict.fromkeys(out))


def build_report(run_dir: str | Path, formats: str | Iterable[str] | None = None,
                 metrics: list[str] | None = None, out_dir: str | Path | None = None, *,
                 heatmap_metric: str | None = None, n_boot: int = N_BOOT, seed: int = 0) -> dict[str, Path]:
    """Write report.md / report.tex / report.html and the plot PNGs for a run; returns {kind: path}."""
    from harness.report import html as html_mod
    from harness.report import plots, tables

    fmts = parse_formats(formats)
    run: RunData = load_run(run_dir)
    scores = cost_from_generations(run.scores, run.generations)
    available = sorted(set(scores["score"].to_list()))
    if not available:
        raise HarnessError("the run has no scores to report", path=Path(run_dir) / "scores.parquet")
    requested = [name.strip() for item in metrics or [] for name in item.split(",") if name.strip()]
    metrics = list(dict.fromkeys(requested)) or default_metrics(available)
    unknown = [m for m in metrics if m not in available]
    if unknown:
        raise HarnessError(f"metric {unknown[0]!r} is not in this run", field="--metrics",
                           hint="available: " + ", ".join(available))
    generators = tables.generator_order(scores, run.manifest)
    summaries = tables.summarize(scores, metrics, generators, n_boot=n_boot, seed=seed)
    cells = {g: int(scores.filter(pl.col("generator") == g)["cell"].n_unique()) for g in generators}
    main = tables.main_table(summaries, generators, metrics, cells)
    per_task = tables.per_task_table(scores, metrics, generators)
    manifest_tabs = tables.manifest_tables(run.manifest, run.generations, generators)

    quality = next((m for m in QUALITY_METRICS if m in available), None)
    figures: list[plots.Figure] = []
    reasons = []
    if quality and COST_METRIC in available:
        plot_summaries = tables.summarize(scores, [quality, COST_METRIC], generators, n_boot=n_boot, seed=seed)
        fig = plots.cost_quality_plot(plot_summaries, quality, COST_METRIC)
        figures += [fig] if fig else []
        if fig is None:
            reasons.append("no generator has both a cost and a quality value")
    else:
        reasons.append(f"cost vs quality needs {COST_METRIC} and one of {', '.join(QUALITY_METRICS)}")
    hm = heatmap_metric or quality or metrics[0]
    if hm not in available:
        raise HarnessError(f"metric {hm!r} is not in this run", field="--heatmap",
                           hint="available: " + ", ".join(available))
    means = tables.per_task_means(scores, hm)
    matrix = {(r["task_id"], r["generator"]): r["mean"] for r in means.iter_rows(named=True)}
    fig = plots.heatmap_plot(matrix, sorted(scores["task_id"].unique().to_list()), generators, hm)
    figures += [fig] if fig else []

    out = Path(out_dir) if out_dir else run.run_dir / "report"
    written: dict[str, Path] = {}
    for f in figures:
        path = out / f"{f.name}.png"
        _write_atomic(path, f.png)
        written[f"png:{f.name}"] = path

    n_na = int((scores["status"] == "not_applicable").sum())
    n_err = int((scores["status"] == "error").sum())
    n_cells, n_tasks = scores["cell"].n_unique(), scores["task_id"].n_unique()
    notes = [f"{_plural(n_cells, 'cell')}, {_plural(len(generators), 'generator')}, {_plural(n_tasks, 'task')}; "
             f"{n_na} not-applicable and {n_err} error scores excluded from means."]
    if "md" in fmts:
        parts = [f"# Report: {run.run_id}", "", notes[0], "", tables.to_markdown(main, 2)]
        parts += [f"![{f.title}]({f.name}.png)\n\n*{f.caption}*\n" for f in figures]
        parts += [tables.to_markdown(per_task, 2)]
        from harness.scorers.support_agreement import support_section

        parts += support_section(scores.filter(pl.col("score").str.starts_with("citations.support_rate")).to_dicts())
        parts += ["## Run", ""]
        parts += [tables.to_markdown(t, 3) for t in manifest_tabs]
        path = out / "report.md"
        _write_atomic(path, "\n".join(parts))
        written["md"] = path
    if "tex" in fmts:
        head = (f"% Report tables for run {tables.latex_escape(run.run_id)}; needs \\usepackage{{booktabs}}\n"
                "% (paste the table environments you want into your paper)\n\n")
        body = "\n".join(tables.to_latex(t) for t in [main, per_task, *manifest_tabs])
        path = out / "report.tex"
        _write_atomic(path, head + body)
        written["tex"] = path
    if "html" in fmts:
        created = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        page = html_mod.render_html(
            title=f"Report: {run.run_id}", subtitle=f"{notes[0]} Generated {created}.",
            summaries=summaries, generators=generators, metrics=metrics, cells=cells, main_table=main,
            per_task=per_task, manifest_tables=manifest_tabs, figures=figures, generations=run.generations,
            scores=scores, notes=[], plot_notes=reasons)
        path = out / "report.html"
        _write_atomic(path, page)
        written["html"] = path
    return written


__all__ = ["build_report", "parse_formats", "FORMATS"]
