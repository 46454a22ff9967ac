"""`harness run`, `harness rescore` and `harness cache stats|clear|prune`."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from harness.cli.app import app
from harness.cli.support_opts import support_setting
from harness.core.paths import cache_file
from harness.core.errors import HarnessError
from harness.llm.cache import ResponseCache, parse_age
from harness.plugins import config_from_dict, load_config
from harness.runner.experiment import run_experiment
from harness.runner.estimate import estimate
from harness.runner.failures import summary_line
from harness.runner.rescore import rescore
from harness.runner.store.reader import read_run_config
from harness.scorers.support import DEFAULT_NLI_MODEL
from harness.scorers.support_nli import load_cross_encoder

cache_app = typer.Typer(help="The LLM response cache (SQLite): stats, clear, prune.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


def _config(config: Optional[Path], resume: Optional[Path]):
    """The config: the file given, else the resumed run's own (from its manifest), else the embedded default."""
    if config is not None:
        return load_config(config)
    if resume is not None:
        return config_from_dict(read_run_config(resume), source=str(resume / "manifest.json"))
    return load_config(None)


@app.command("run")
def run(
    config: Optional[Path] = typer.Argument(None, help="Experiment YAML (default: the embedded default experiment)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print estimated tokens and USD per generator; call nothing."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue this run directory (skips done cells)."),
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", help="Where run directories go (default results/)."),
    tasks: Optional[List[str]] = typer.Option(None, "--tasks", help="Task ids or globs (repeatable); overrides config."),
    max_cells: Optional[int] = typer.Option(None, "--max-cells", min=1, help="Run at most N pending cells."),
    max_failures: Optional[str] = typer.Option(
        None, "--max-failures", help="Failed cells tolerated before exit 3: a count N, or a rate 0-1 (default 0)."),
    allow_task_change: bool = typer.Option(False, "--allow-task-change", help="With --resume: continue although a "
                                           "task file's content changed (the report lists the mixed cells)."),
) -> None:
    """Run an experiment matrix (tasks x generators x seeds), score every cell, and write a run directory.

    Exit 0 when every cell succeeded (or failures stay within --max-failures), 3 when the run finished with failed
    cells, 2 on a usage or input error.
    """
    tolerance = parse_max_failures(max_failures)
    cfg = _config(config, resume)
    if output_dir is not None or tasks:
        data = cfg.model_dump(mode="json", by_alias=True)
        if output_dir is not None:
            data["execution"]["output_dir"] = str(output_dir)
        if tasks:
            data["tasks"] = list(tasks)
        cfg = type(cfg).from_dict(data, source=cfg.source)
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # files and pipes get whole model names, not ellipses
    if dry_run:
        rows = estimate(cfg)
        _print_estimates(console, cfg, rows)
        return
    summary = run_experiment(cfg, run_dir=resume, resume=True, max_cells=max_cells,
                             allow_task_change=allow_task_change)
    c = summary.counters
    console.print(f"run {summary.run_id}: {summary.status}, {summary.cells_done}/{summary.cells_total} cells "
                  f"({summary.cells_run} run now, {summary.cells_resumed} resumed, {summary.cells_failed} failed, "
                  f"{summary.cells_cached} from cache)")
    console.print(f"provider calls {c.get('provider_calls', 0)}, cache hits {c.get('cache_hits', 0)}, "
                  f"retries {c.get('retries', 0)}, errors {c.get('errors', 0)}, spend ${c.get('spend_usd', 0):.4f}, "
                  f"{summary.wall_s:.1f}s")
    if summary.budget_exhausted:
        console.print(f"[yellow]budget_usd reached: {summary.cells_not_run} cells not run; "
                      f"raise budget_usd and resume with --resume {summary.run_dir}[/yellow]")
    console.print(f"results: {summary.run_dir}")
    failed = _print_failures(console, summary)
    if failed and not _tolerated(failed, summary.cells_total, tolerance):
        raise typer.Exit(3)


def parse_max_failures(value: Optional[str]) -> float:
    """--max-failures: an integer count (>= 0) or a rate in [0, 1) given with a decimal point; default 0."""
    if value is None:
        return 0
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number < 0 or ("." in value and number > 1) or ("." not in value and not number.is_integer()):
        raise HarnessError(f"--max-failures must be a count (e.g. 3) or a rate between 0 and 1 (e.g. 0.1), "
                           f"not {value!r}", field="--max-failures")
    return number if "." in value else int(number)


def _tolerated(failed: int, total: int, tolerance: float) -> bool:
    """A count tolerance compares cells; a rate (float) compares the share of all cells."""
    if isinstance(tolerance, float):
        return total > 0 and failed / total <= tolerance
    return failed <= tolerance


def _print_failures(console, summary) -> int:
    """The failure summary grouped by cause (and the local server's diagnosis); the number of cells not done."""
    failed = sum(g.count for g in summary.failures)
    line = summary_line(summary.failures)
    if line:
        console.print(f"[red]{line}[/red]", highlight=False)
    if summary.cells_not_run:
        console.print(f"[yellow]{summary.cells_not_run} cells not run (budget_usd reached)[/yellow]")
    return failed + summary.cells_not_run


def _print_estimates(console, cfg, rows) -> None:
    """The dry run's table: estimated calls, tokens and USD per generator, and the total against the budget."""
    table = Table(title=f"dry run: {cfg.name} (output tokens at max_tokens: an upper bound)")
    for col in ("generator", "model", "cells", "calls", "input tokens", "output tokens", "USD", "price"):
        table.add_column(col, justify="right" if col in ("cells", "calls", "input tokens", "output tokens", "USD")
                         else "left")
    total = 0.0
    unknown = False
    for r in rows:
        usd = "unknown" if r.usd is None else f"{r.usd:.4f}"
        unknown |= r.usd is None
        total += r.usd or 0.0
        table.add_row(r.generator, r.model or "-", str(r.cells), str(r.calls), str(r.input_tokens),
                      str(r.output_tokens), usd, r.price_source)
    console.print(table)
    limit = cfg.execution.budget_usd
    budget = f" (budget_usd {limit:g})" if limit is not None else ""
    console.print(f"total estimated USD: {total:.4f}{' + unknown' if unknown else ''}{budget}")


@app.command("rescore")
def rescore_cmd(
    run_dir: Path = typer.Argument(..., help="A run directory (results/<run-id>)."),
    scorers: Optional[List[str]] = typer.Option(None, "--scorers", help="Scorer families to recompute (repeatable)."),
    support: Optional[str] = typer.Option(None, "--support", help="Add this support method's scores (nli, llm, "
                                          "similarity) beside the run's own; recomputes only the citations family."),
    support_model: Optional[str] = typer.Option(None, "--support-model", help="Model of --support (nli: "
                                                "cross-encoder path or hub id; llm: litellm model)."),
) -> None:
    """Recompute scores from a run's stored generations (no provider call) and rewrite scores.parquet."""
    if not run_dir.is_dir():
        raise HarnessError("run directory not found", path=run_dir)
    fams = [f.strip() for s in scorers for f in s.split(",") if f.strip()] if scorers else None  # `,`: []
    extra = support_setting(support, support_model)
    if extra is not None:
        fams = fams or ["citations"]
        if extra.method == "nli":
            load_cross_encoder(extra.model or DEFAULT_NLI_MODEL)  # a missing model stops here, in one line
    df = rescore(run_dir, fams, support=extra)
    typer.echo(f"rescored {df['cell'].n_unique()} cells: {df.height} score rows -> {run_dir / 'scores.parquet'}")


def _cache(cache_dir: Optional[Path]):
    """The existing response cache (never created here: a mistyped --cache-dir must not make a new one)."""
    path = cache_file(cache_dir)
    if not path.is_file():
        where = "--cache-dir" if cache_dir is not None else "the default location ($HARNESS_CACHE_DIR or " \
                                                            "~/.cache/review-harness)"
        raise HarnessError("the response cache does not exist", path=path,
                           hint=f"check {where}; `harness run` creates the cache")
    try:
        return ResponseCache(path)
    except sqlite3.DatabaseError as exc:
        raise HarnessError(f"not a response cache: {exc}", path=path) from None


def _interactive() -> bool:
    """True when a person can answer a question (stdin and stdout are terminals)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


@cache_app.command("stats")
def cache_stats(cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache directory.")) -> None:
    """Entries, hits and size of the response cache, per model."""
    with _cache(cache_dir) as cache:
        s = cache.stats()
    typer.echo(f"{s['path']}: {s['entries']} entries, {s['hits']} hits, {s['bytes'] / 1e6:.2f} MB")
    for model, m in s["models"].items():
        typer.echo(f"  {model}: {m['entries']} entries, {m['hits']} hits")


@cache_app.command("clear")
def cache_clear(
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache directory."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Clear without asking (required off a terminal)."),
) -> None:
    """Delete every cached response: asks first on a terminal; off a terminal only with --yes (a piped "n" or a
    script must never clear it)."""
    with _cache(cache_dir) as cache:
        if not yes and not _interactive():
            raise HarnessError("not clearing the response cache without confirmation: stdin or stdout is not a "
                               "terminal", path=cache.path, field="--yes", hint="pass --yes to clear it from a script")
        if not yes:
            n = cache.stats()["entries"]
            if not typer.confirm(f"delete all {n} cached responses in {cache.path}?", default=False):
                typer.echo("nothing removed")
                raise typer.Exit(code=1)
        n = cache.clear()
    typer.echo(f"removed {n} entries")


@cache_app.command("prune")
def cache_prune(
    older_than: str = typer.Option("30d", "--older-than", help="Remove entries unused for this long (30d, 12h)."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache directory."),
) -> None:
    """Delete cached responses not used for a while."""
    try:
        age = parse_age(older_than)
    except ValueError as exc:
        raise HarnessError(str(exc), field="--older-than") from None
    with _cache(cache_dir) as cache:
        n = cache.prune(age)
    typer.echo(f"removed {n} entries unused for {older_than}")
