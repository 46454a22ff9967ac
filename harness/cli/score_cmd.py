"""`harness score PATH --task ID`: score one generator output against a task and print the scores."""

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
    task: str = typer.Option(..., "--task", help="Task id to score against (see `harness tasks list`)."),
    scorers: Optional[str] = typer.Option(None, "--scorers", help="Comma-separated families "
                                          "(coverage,citations,length,plan,cost,overlap,judge,structure); "
                                          "default all."),
    format: Optional[str] = typer.Option(None, "--format", help="Force the input format."),
    judge_model: Optional[str] = typer.Option(None, "--judge-model", help="litellm model for judge.* scores."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
    support: Optional[str] = typer.Option(None, "--support", help="Citation support method: similarity "
                                          "(default, offline), nli (cross-encoder) or llm (a litellm judge)."),
    support_model: Optional[str] = typer.Option(None, "--support-model", help="nli: cross-encoder path or hub "
                                                "id; llm: litellm model (default: --judge-model)."),
) -> None:
    """Score PATH: coverage, citation validity/relevance/support, length, plan, cost, overlap, judge."""
    from harness.readers import read_review
    from harness.scorers import ScoringContext, check_families, score_review
    from harness.tasks import get_task

    families = check_families([f.strip() for f in scorers.split(",") if f.strip()] if scorers else None)
    t = get_task(task)
    review = read_review(path, format=format)
    from harness.cli.support_opts import support_context

    ctx = support_context(ScoringContext(judge_model=judge_model), support, support_model)
    results = score_review(review, t, ctx, families)
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
