"""`harness score PATH [--task ID|PATH]`: score one generator output against a task (or on its own) and print it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from harness.cli.app import app


def scores_json(task_id: str, scores) -> dict:
    """The --json object: {"task": ID, "scores": {NAME: {"value", "status", "explanation"}}}."""
    return {"task": task_id,
            "scores": {s.name: {"value": s.value, "status": s.status, "explanation": s.explanation} for s in scores}}


@app.command("score")
def score(
    path: Path = typer.Argument(..., help="A generator output (report .txt, markdown, AutoSurvey JSON, ref.json)."),
    task: Optional[str] = typer.Option(None, "--task", help="Task id or task file to score against (see `harness "
                                       "tasks list`); without it the review is scored on its own topic and papers."),
    topic: Optional[str] = typer.Option(None, "--topic", help="Without --task: the topic to judge relevance by "
                                        "(default: the review's stated topic, else its title)."),
    scorers: Optional[str] = typer.Option(None, "--scorers", help="Comma-separated families "
                                          "(coverage,citations,length,plan,cost,overlap,judge,structure); "
                                          "default all."),
    format: Optional[str] = typer.Option(None, "--format", help="Force the input format."),
    judge_model: Optional[str] = typer.Option(None, "--judge-model", help="litellm model for judge.* scores."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
) -> None:
    """Score PATH: coverage, citation validity/relevance/support, length, plan, cost, overlap, judge."""
    from harness.readers import read_review
    from harness.scorers import ScoringContext, check_families, score_review
    from harness.tasks import get_task

    families = check_families([f.strip() for f in scorers.split(",") if f.strip()] if scorers else None)
    review = read_review(path, format=format)
    if task is None:
        from harness.review_task import task_from_review

        t = task_from_review(review, path.name, topic)
    else:
        if topic is not None:
            from harness.errors import HarnessError

            raise HarnessError("--topic is for scoring without a task; the task names its own topic", field="--topic")
        t = get_task(task)
    results = score_review(review, t, ScoringContext(judge_model=judge_model), families)
    if as_json:
        typer.echo(json.dumps(scores_json(t.id, results), ensure_ascii=False))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{escape(path.name)} vs {escape(t.id)}")
    table.add_column("score")
    table.add_column("value", justify="right")
    table.add_column("status")
    table.add_column("explanation", overflow="fold")
    for s in results:
        val = "" if s.value is None else (f"{s.value:.4g}" if s.value != int(s.value) else f"{int(s.value)}")
        table.add_row(escape(s.name), val, s.status, escape(s.explanation))
    Console().print(table)
