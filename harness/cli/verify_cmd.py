"""`harness verify-refs PATH...`: look a review's identified and unidentified references up online."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.cli.app import app
from harness.cli.batch import each_file
from harness.papers.resolve import resolve_for_task, resolve_review
from harness.papers.verify import VerifyConfig, Verifier, verify_resolved
from harness.readers import read_review
from harness.scorers.context import ScoringSuite
from harness.tasks.suite import get_task

LOOKUPS_FAILED = 4  # exit code: some lookups failed (network or service errors), so classes stay unverified


@app.command("verify-refs")
def verify_refs(
    paths: list[Path] = typer.Argument(..., help="Generator outputs whose references to look up."),
    task: Optional[str] = typer.Option(None, "--task", help="Classify against this task first (in_task entries "
                                       "need no lookup)."),
    format: Optional[str] = typer.Option(None, "--format", help="Force the input format."),
    bib: Optional[Path] = typer.Option(None, "--bib", help="BibTeX file for a LaTeX review."),
    cache_dir: Path = typer.Option(Path(".cache"), "--cache-dir", help="Where verify.sqlite caches lookups."),
    mailto: Optional[str] = typer.Option(None, "--mailto", help="Contact address sent to Crossref/OpenAlex "
                                         "(their polite pool)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per file, one per line."),
) -> None:
    """Look identified/unidentified references up on arXiv (ids), Crossref (DOIs) and OpenAlex (titles):
    found -> verified, missing -> not_found; answers are cached, requests spaced politely. Exit 0 when every
    lookup was answered, 4 when some failed (each file's summary on stderr), 2 when a file could not be read."""
    t = get_task(task) if task else None
    verifier = Verifier(VerifyConfig(cache_dir=cache_dir, mailto=mailto))
    failed_total = 0
    known = ScoringSuite.from_env().known()  # the default suite's papers + HARNESS_PAPER_FILES

    def one(path: Path) -> None:
        nonlocal failed_total
        review = read_review(path, format=format, bib=bib)
        resolved = (resolve_for_task(review, t, known) if t is not None
                    else resolve_review(review, review.papers, known=known, papers_are_task=False))
        outcomes = verify_resolved(resolved, verifier)
        tally = lookup_tally(outcomes)
        failed_total += tally["lookup_failed"]
        if as_json:
            typer.echo(json.dumps({"path": str(path), "classes": resolved.report.class_counts,
                                   "looked_up": resolved.report.verified_online, "summary": tally,
                                   "requests": verifier.requests, "failures": verifier.failures,
                                   "entries": [o.__dict__ for o in outcomes]}, ensure_ascii=False))
        else:
            _print_table(path, resolved.report.class_counts, outcomes)
        typer.echo(f"{path}: {summary_line(tally)}", err=True)

    each_file(paths, one)
    if failed_total:
        typer.echo(f"error: {failed_total} lookups failed (network or service errors; their classes are unchanged)"
                   f" -- exit {LOOKUPS_FAILED}", err=True)
        raise typer.Exit(code=LOOKUPS_FAILED)


def lookup_tally(outcomes) -> dict[str, int]:
    """Entries by what their lookup gave: verified, not_found, lookup_failed, not_looked_up."""
    tally = {"verified": 0, "not_found": 0, "lookup_failed": 0, "not_looked_up": 0}
    for o in outcomes:
        if o.after in ("verified", "not_found"):
            tally[o.after] += 1
        elif o.detail.startswith("lookup failed"):
            tally["lookup_failed"] += 1
        else:
            tally["not_looked_up"] += 1
    return tally


def summary_line(tally: dict[str, int]) -> str:
    """'5 looked up: 3 verified, 1 not found, 1 lookup failed; 7 needed no lookup'."""
    asked = tally["verified"] + tally["not_found"] + tally["lookup_failed"]
    return (f"{asked} looked up: {tally['verified']} verified, {tally['not_found']} not found, "
            f"{tally['lookup_failed']} lookup failed; {tally['not_looked_up']} not looked up")


def _print_table(path: Path, counts: dict[str, int], outcomes) -> None:
    """The lookups of one file, one row per entry (generated text shown as plain text)."""
    table = Table(title=Text(f"{path} — " + ", ".join(f"{n} {c}" for c, n in sorted(counts.items()))))
    for col in ("key", "before", "after", "service", "detail"):
        table.add_column(col)
    for o in outcomes:
        table.add_row(*(Text(str(x or "")) for x in (o.key, o.before, o.after, o.service, o.detail)))
    Console().print(table)
