"""`harness score PATH... [--task ID|PATH]`: score generator outputs against a task (or each on its own) and print them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.cli.app import app
from harness.cli.batch import each_file
from harness.cli.family_help import FamiliesHelpCommand
from harness.cli.support_opts import support_context
from harness.config import RelevanceConfig
from harness.core.paths import cache_file
from harness.core.errors import HarnessError
from harness.llm.judge_calls import cached_judge_calls
from harness.models import Task
from harness.readers import read_review
from harness.scorers import ScoringContext, ScoringSuite, check_families, score_review
from harness.scorers.judge_methods import DEFAULT_RELEVANCE
from harness.tasks.from_review import task_from_review
from harness.tasks.suite import get_task


def scores_json(task_id: str, scores, review=None, path: str | None = None) -> dict:
    """The --json object: {"path", "task", "format", "warnings", "scores": {NAME: {"value", "status",
    "explanation", "details"}}}; path/format/warnings only when known; details are the score's own (which
    citations failed, the judge's usage, ...)."""
    out: dict = {}
    if path is not None:
        out["path"] = path
    out["task"] = task_id
    if review is not None:
        out["format"] = review.source_format
        out["warnings"] = list(review.warnings)
    out["scores"] = {s.name: {"value": s.value, "status": s.status, "explanation": s.explanation,
                               "details": s.model_dump(mode="json")["details"]} for s in scores}
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
    judge_repeats: int = typer.Option(1, "--judge-repeats", min=1, max=25, help="Asks per judge.* aspect "
                                      "(temperature 0.7 when > 1); the median rating counts."),
    verify_online: bool = typer.Option(False, "--verify-online", help="Look identified/unidentified references "
                                       "up on arXiv, Crossref and OpenAlex (cached; off by default)."),
    fetch_abstracts: bool = typer.Option(False, "--fetch-abstracts", help="Fetch cited papers' missing abstracts "
                                         "from arXiv, Semantic Scholar or OpenAlex for citation support (cached, "
                                         "rate-limited; off by default: those citations stay unverifiable)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per file, one per line (each score "
                                 "with its details)."),
    details: bool = typer.Option(False, "--details", help="Under the table, print each score's details (which "
                                 "citations failed, judge usage, ...) as JSON; --json always includes them."),
    support: Optional[str] = typer.Option(None, "--support", help="Citation support method: similarity "
                                          "(default, offline), nli (cross-encoder) or llm (a litellm judge)."),
    support_model: Optional[str] = typer.Option(None, "--support-model", help="nli: cross-encoder path or hub "
                                                "id; llm: litellm model (default: --judge-model)."),
    relevance: Optional[str] = typer.Option(None, "--relevance", help="Citation relevance method: neighbours "
                                            "(default, offline), title_similarity, or llm (a litellm judge)."),
    relevance_model: Optional[str] = typer.Option(None, "--relevance-model", help="llm: litellm model (default: "
                                                  "--judge-model)."),
) -> None:
    """Score each PATH with the scorer families (all, or those --scorers names) and print the scores."""
    families = check_families([f.strip() for f in scorers.split(",") if f.strip()] if scorers else None)
    if task is not None and topic is not None:
        raise HarnessError("--topic is for scoring without a task; the task names its own topic", field="--topic")
    shared = get_task(task) if task is not None else None
    ctx = support_context(ScoringContext(judge_model=judge_model, verify_online=verify_online,
                                         judge_repeats=judge_repeats, fetch_abstracts=fetch_abstracts,
                                         suite=ScoringSuite.from_env()), support, support_model)
    if judge_model and ctx.judge_calls is None:  # the runs' SQLite response cache, which `harness cache` manages
        ctx = replace(ctx, judge_calls=cached_judge_calls(cache_file(None)))
    if relevance is not None or relevance_model is not None:
        ctx = replace(ctx, relevance=relevance_setting(relevance, relevance_model))

    def one(path: Path) -> None:
        review = read_review(path, format=format, bib=bib)
        t = shared if shared is not None else task_from_review(review, path.name, topic)
        _show(path, t, review, score_review(review, t, ctx, families), as_json, details)

    each_file(paths, one)


def _show(path: Path, task: Task, review, results, as_json: bool, details: bool) -> None:
    """One file's scores: a JSON line (--json) or a table."""
    if as_json:
        typer.echo(json.dumps(scores_json(task.id, results, review, str(path)), ensure_ascii=False))
    else:
        _print_table(path, task.id, review, results, details)


def relevance_setting(method: str | None, model: str | None):
    """The RelevanceConfig for --relevance / --relevance-model; a one-line error naming --relevance if unknown."""
    try:
        return RelevanceConfig(method=method or DEFAULT_RELEVANCE, model=model)
    except ValidationError as exc:
        raise HarnessError(exc.errors()[0]["msg"].removeprefix("Value error, "), field="--relevance") from None


def _print_table(path: Path, task_id: str, review, results, details: bool = False) -> None:
    """The scores of one file, with the detected format and the reader's warnings above them."""
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
    console = Console()
    console.print(table)
    if details:
        for s in results:
            if s.details:
                typer.echo(f"{s.name} details: " + json.dumps(s.details, ensure_ascii=False, default=str))
