"""`harness report` (tables, plots, HTML of a run) and `harness compare` (the regression gate)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from harness.cli.app import app
from harness.compare import compare, format_table, parse_pairs, underpowered_warning
from harness.core.errors import HarnessError
from harness.report.build import build_report


def resolve_run_dir(arg: Path) -> Path:
    """`latest` (or `results/latest`) names the newest run directory under results/ (or the given parent)."""
    if arg.name != "latest" or arg.exists():
        return arg
    parent = arg.parent if str(arg.parent) not in ("", ".") else Path("results")
    runs = sorted(p for p in parent.glob("*") if (p / "manifest.json").is_file())
    if not runs:
        raise HarnessError("no run directory with a manifest.json found", path=parent,
                           hint="run `harness run` first, or name a run directory")
    return runs[-1]


@app.command("report")
def report(
    run_dirs: List[Path] = typer.Argument(..., help="Run directories, results/<run-id>/ ('latest': the newest "
                                                    "one); several are joined by (task, seed)."),
    format: str = typer.Option("md,tex,html", "--format", "-f", help="Comma-separated: md, tex, html, csv (report.csv: "
                               "one row per cell x score)."),
    metrics: Optional[List[str]] = typer.Option(None, "--metrics", "-m",
                                                help="Metrics for the tables (repeat or comma-separate)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default RUN_DIR/report/; for "
                                                               "several runs, report-<hash>/ beside the first)."),
    heatmap: Optional[str] = typer.Option(None, "--heatmap", help="Metric of the tasks x generators heatmap."),
    n_boot: int = typer.Option(2000, "--n-boot", min=100, help="Bootstrap resamples."),
    rename: Optional[List[str]] = typer.Option(None, "--as", help="NAME=RUN/GEN: report generator GEN of run RUN "
                                                                  "as NAME (needed when two runs share a name)."),
) -> None:
    """Write report.md / report.tex / report.html and PNG plots for one or more runs, and print their paths."""
    dirs = [resolve_run_dir(d) for d in run_dirs]
    written = build_report(dirs, format, metrics, out, heatmap_metric=heatmap, n_boot=n_boot, renames=rename)
    for path in written.values():
        typer.echo(str(path))


@app.command("compare")
def compare_cmd(
    baseline: Path = typer.Argument(..., help="Baseline run directory."),
    candidate: Path = typer.Argument(..., help="Candidate run directory."),
    metric: Optional[List[str]] = typer.Option(None, "--metric", help="Gated metric (pair each with --max-drop)."),
    max_drop: Optional[List[float]] = typer.Option(None, "--max-drop",
                                                   help="Tolerated drop of the --metric at the same position "
                                                        "(none given: every --metric gets the default 0)."),
    pair: Optional[List[str]] = typer.Option(None, "--pair", help="BASELINE_GEN=CANDIDATE_GEN (repeatable)."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    n_boot: int = typer.Option(2000, "--n-boot", min=100, help="Bootstrap resamples."),
    strict: bool = typer.Option(False, "--strict", help="Fail (exit 1) when a gate is underpowered (fewer than 6 "
                                                        "paired tasks) instead of passing with a warning."),
) -> None:
    """Paired comparison of two runs; exit 0 when no gated metric regressed, 1 on a regression, 2 on bad usage."""
    metric, max_drop = metric or [], max_drop or []
    try:
        if max_drop and len(max_drop) != len(metric):
            raise HarnessError(f"{len(metric)} --metric but {len(max_drop)} --max-drop options", field="--max-drop",
                               hint="give one --max-drop per --metric (in the same order), or none for the default 0")
        # no --max-drop at all: each --metric is gated at the documented default (shown in the table)
        gates = {m: (max_drop[i] if max_drop else None) for i, m in enumerate(metric)}
        result = compare(baseline, candidate, gates=gates, pairs=parse_pairs(pair), n_boot=n_boot)
    except HarnessError as exc:  # exit 2 however the app is invoked, so 1 always means "regressed"
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    code = result.exit_code(strict)
    if json_out:
        payload = result.model_dump(mode="json")
        payload["passed"] = code == 0
        payload["strict"] = strict
        payload["regressed_metrics"] = list(dict.fromkeys(r.metric for r in result.regressions))
        payload["underpowered_metrics"] = list(dict.fromkeys(r.metric for r in result.underpowered))
        typer.echo(json.dumps(payload, indent=2))
    else:
        typer.echo(format_table(result, strict=strict))
    sys.stdout.flush()
    weak = underpowered_warning(result)
    if weak:
        typer.echo(f"warning: {weak}", err=True)
    raise typer.Exit(code=code)
