"""`harness score PATH... [--task ID|PATH]`: score generator outputs against a task (or each on its own) and print them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from harness.cli.app import app
from harness.cli.family_help import FamiliesHelpCommand


def scores_json(task_id: str, scores, review=None, path: str | None = None) -> dict:
    """The --json object: {"path", "task", "format", "warnings", "scores": {NAME: {"value", "status",
    "explanation"}}}; path/format/warnings only when known."""
    out: dict = {}
    if path is not None:
        out["path"] = path
    out["task"] = task_id
    if review is not None:
        out["format"] = review.source_format
        out["warnings"] = list(review.warnings)
    out["scores"] = {s.name: {"value": s.value, "status": s.status, "explanation": s.explanation} for s in scores}
    return out


@app.command("score", cls=FamiliesHelpCommand)
def score(
    paths: list[Path] = typer.Argument(..., help="Generator outputs (report .txt, markdown, AutoSurvey JSON, "
                                       "ref.json, LaTeX)."),
    task: Optional[str] = typer.Option(None, "--task", help="Task id or task file to score against (see `harness "
                                       "tasks list`); without it each review is scored on its own topic and papers."),
    topic: Optional[str] = typer.Option(None, "--topic", help="Without --task: the topic to judge relevance by "
                                        "(default: the review's stated topic, else its title)."),
    scorers: Optional[str] = typer.Option(None, "--scorers", help="Comma-separated scorer families "
                                          "({families}); default all."),
    format: Optional[str] = typer.Option(None, "--format", help="Force the input format."),
    bib: Optional[Path] = typer.Option(None, "--bib", help="BibTeX file for a LaTeX review (default: a .bib "
                                       "beside the .tex)."),
    judge_model: Optional[str] = typer.Option(None, "--judge-model", help="litellm model for judge.* scores."),
    verify_online: bool = typer.Option(False, "--verify-online", help="Look identified/unidentified references "
                                       "up on arXiv, Crossref and OpenAlex (cached; off by default)."),
    fetch_abstracts: bool = typer.Option(False, "--fetch-abstracts", help="Fetch cited papers' missing abstracts "
                                         "from arXiv, Semantic Scholar or OpenAlex for citation support (cached, "
                                         "rate-limited; off by default: those citations stay unverifiable)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per file, one per line."),
    support: Optional[str] = typer.Option(None, "--support", help="Citation support method: similarity "
                                          "(default, offline), nli (cross-encoder) or llm (a litellm judge)."),
    support_model: Optional[str] = typer.Option(None, "--support-model", help="nli: cross-encoder path or hub "
                                                "id; llm: litellm model (default: --judge-model)."),
) -> None:
    """Score each PATH with the scorer families (all, or those --scorers names) and print the scores."""
    from harness.readers import read_review
    from harness.scorers import ScoringContext, check_families, score_review
    from harness.tasks import get_task

    families = check_families([f.strip() for f in scorers.split(",") if f.strip()] if scorers else None)
    if task is not None and topic is not None:
        from harness.errors import HarnessError

        raise HarnessError("--topic is for scoring without a task; the task names its own topic", field="--topic")
    shared = get_task(task) if task is not None else None
    from harness.cli.support_opts import support_context

    ctx = support_context(ScoringContext(judge_model=judge_model, verify_online=verify_online,
                                                 fetch_abstracts=fetch_abstracts), support, support_model)
    for path in paths:
        review = read_review(path, format=format, bib=bib)
        if shared is None:
            from harness.review_task import task_from_review

            t = task_from_review(review, path.name, topic)
        else:
            t = shared
        results = score_review(review, t, ctx, families)
        if as_json:
            typer.echo(json.dumps(scores_json(t.id, results, review, str(path)),
                                  ensure_ascii=False))
        else:
            _print_table(path, t.id, review, results)


def _print_table(path: Path, task_id: str, review, results) -> None:
    """The scores of one file, with the detected format and the reader's warnings above them."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{escape(path.name)} vs {escape(task_id)} (format: {escape(review.source_format)})")
    table.add_column("score")
    table.add_column("value", justify="right")
    table.add_column("status")
    table.add_column("explanation", overflow="fold")
    for w in review.warnings:
        table.add_row("reader warning", "", "warning", escape(w))
    for s in results:
        val = "" if s.value is None else (f"{s.value:.4g}" if s.value != int(s.value) else f"{int(s.value)}")
        table.add_row(escape(s.name), val, s.status, escape(s.explanation))
    Console().print(table)
