"""`harness verify-refs PATH...`: look a review's identified and unidentified references up online."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from harness.cli.app import app


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
    found -> verified, missing -> not_found; answers are cached, requests spaced politely."""
    from harness.paper_index import paper_index
    from harness.readers import read_review
    from harness.resolve import resolve_for_task, resolve_review
    from harness.verify import VerifyConfig, Verifier, verify_resolved

    t = None
    if task:
        from harness.tasks import get_task

        t = get_task(task)
    verifier = Verifier(VerifyConfig(cache_dir=cache_dir, mailto=mailto))
    for path in paths:
        review = read_review(path, format=format, bib=bib)
        resolved = (resolve_for_task(review, t) if t is not None
                    else resolve_review(review, review.papers, known=paper_index(), papers_are_task=False))
        outcomes = verify_resolved(resolved, verifier)
        counts = resolved.report.class_counts
        if as_json:
            typer.echo(json.dumps({"path": str(path), "classes": counts, "looked_up": resolved.report.verified_online,
                                   "requests": verifier.requests, "failures": verifier.failures,
                                   "entries": [o.__dict__ for o in outcomes]}, ensure_ascii=False))
            continue
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(f"{path} — " + ", ".join(f"{n} {c}" for c, n in sorted(counts.items()))))
        for col in ("key", "before", "after", "service", "detail"):
            table.add_column(col)
        for o in outcomes:
            table.add_row(*(Text(str(x or "")) for x in (o.key, o.before, o.after, o.service, o.detail)))
        Console().print(table)
