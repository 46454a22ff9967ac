"""`harness report`: the report of one or more runs written as Markdown, LaTeX, HTML, CSV and PNG plots."""

from __future__ import annotations

import datetime as _dt
import hashlib
from pathlib import Path
from typing import Iterable, Sequence

from harness.core.errors import HarnessError
from harness.core.fileio import atomic_write
from harness.report import html as html_mod
from harness.report.assemble import assemble
from harness.report.csv_table import scores_csv
from harness.report.documents import TABLES_TEX, latex_document, latex_tables, markdown_report
from harness.report.join import join_runs
from harness.report.load import RunData
from harness.report.stats import N_BOOT

__all__ = ["DEFAULT_FORMATS", "FORMATS", "build_report", "default_out_dir", "parse_formats"]

DEFAULT_FORMATS = ("md", "tex", "html")
FORMATS = (*DEFAULT_FORMATS, "csv")  # csv: report.csv, one row per cell x score


def parse_formats(formats: str | Iterable[str] | None) -> list[str]:
    """'md,tex,html' or a list -> validated list of formats."""
    if formats is None:
        return list(DEFAULT_FORMATS)
    items = formats.split(",") if isinstance(formats, str) else [p for f in formats for p in str(f).split(",")]
    out = [f.strip().lower().lstrip(".") for f in items if f.strip()]
    out = ["md" if f == "markdown" else "tex" if f == "latex" else f for f in out]
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise HarnessError(f"unknown report format {bad[0] if bad else ''!r}", field="--format",
                           hint=f"choose from {', '.join(FORMATS)}")
    return list(dict.fromkeys(out))


def build_report(run_dir: str | Path | Sequence[str | Path], formats: str | Iterable[str] | None = None,
                 metrics: list[str] | None = None, out_dir: str | Path | None = None, *,
                 heatmap_metric: str | None = None, n_boot: int = N_BOOT, seed: int = 0,
                 renames: Sequence[str] | None = None) -> dict[str, Path]:
    """Write report.md / report.tex (+ report_tables.tex) / report.html / report.csv and the plot PNGs for one run
    or several joined runs (renames: 'NAME=RUN/GEN'); returns {kind: path}."""
    fmts = parse_formats(formats)
    dirs = [run_dir] if isinstance(run_dir, (str, Path)) else list(run_dir)
    joined = join_runs(dirs, renames)
    parts = assemble(joined, metrics, heatmap_metric=heatmap_metric, n_boot=n_boot, seed=seed)
    out = Path(out_dir) if out_dir else default_out_dir(joined.runs)
    written: dict[str, Path] = {}
    for f in parts.figures:
        path = out / f"{f.name}.png"
        atomic_write(path, f.png)
        written[f"png:{f.name}"] = path
    if "md" in fmts:
        written["md"] = out / "report.md"
        atomic_write(written["md"], markdown_report(parts))
    if "tex" in fmts:
        written["tex"], written["tex:tables"] = out / "report.tex", out / TABLES_TEX
        atomic_write(written["tex"], latex_document(parts))
        atomic_write(written["tex:tables"], latex_tables(parts))
    if "csv" in fmts:
        written["csv"] = out / "report.csv"
        atomic_write(written["csv"], scores_csv(parts.scores))
    if "html" in fmts:
        created = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        written["html"] = out / "report.html"
        atomic_write(written["html"], html_mod.render_report(parts, created))
    return written


def default_out_dir(runs: list[RunData]) -> Path:
    """RUN/report/ for one run; beside the first run, report-<8 hex of the run ids>/ for several."""
    if len(runs) == 1:
        return runs[0].run_dir / "report"
    digest = hashlib.sha256("\n".join(sorted(r.run_id for r in runs)).encode()).hexdigest()[:8]
    return runs[0].run_dir.parent / f"report-{digest}"
