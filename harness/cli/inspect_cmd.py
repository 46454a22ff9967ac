"""`harness inspect PATH`: parse a generator output, resolve its references, print its structure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from harness.cli.app import app


def inspect_summary(resolved: Any, pool_papers: int | None) -> dict[str, Any]:
    """The inspect JSON object. citations.markers counts citation occurrences (one per marker key, so
    "[3-5]" counts 3); distinct counts distinct keys; dangling counts distinct keys without a reference entry."""
    from harness.text import count_words, ends_mid_sentence

    review, report = resolved.review, resolved.report
    keys = [k for c in review.citations for k in c.keys]
    usage = None
    if review.usage is not None:
        u = review.usage
        usage = {"input_tokens": u.input_tokens, "output_tokens": u.output_tokens, "cost_usd": u.cost_usd,
                 "cost_source": u.cost_source,
                 "stages": [{"name": s.name, "input_tokens": s.input_tokens, "output_tokens": s.output_tokens}
                            for s in u.stages]}
    return {
        "format": review.source_format,
        "title": review.title,
        "topic": review.topic,
        "words": count_words(review.text),
        "sections": [{"level": s.level, "title": s.title} for s in review.sections],
        "citations": {"markers": len(keys), "distinct": len(set(keys)), "dangling": len(report.dangling)},
        "references": {"entries": len(review.references), "resolved": len(report.resolved),
                       "unresolved": len(report.unresolved), "duplicates": len(report.duplicates),
                       "uncited": len(report.uncited)},
        "pool_papers": pool_papers,
        "usage": usage,
        "ends_mid_sentence": ends_mid_sentence(review.text),
        "warnings": list(review.warnings),
    }


PathArg = typer.Argument(..., help="A generator output (report .txt, markdown, AutoSurvey JSON, ref.json).")


@app.command("inspect")
def inspect(
    path: Path = PathArg,
    task: str | None = typer.Option(None, "--task", help="Resolve against this task's papers and pool."),
    format: str | None = typer.Option(None, "--format", help="Force a format: litreview-report, markdown, "
                                         "autosurvey-json, cite-n, surveybench-ref."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
) -> None:
    """Parse PATH and show words, sections, citations, references (resolved / unresolved / duplicates), usage.

    Without --task, references resolve against the papers the file itself lists (e.g. "Papers Used")."""
    from harness.readers import read_review
    from harness.resolve import resolve_for_task, resolve_review

    review = read_review(path, format=format)
    if task:
        from harness.tasks import get_task

        t = get_task(task)
        resolved = resolve_for_task(review, t)
        pool_papers: int | None = len(t.pool)
    else:
        resolved = resolve_review(review, review.papers)
        pool_papers = len(review.papers) or None
    summary = inspect_summary(resolved, pool_papers)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    _print_table(str(path), summary)


def _print_table(path: str, s: dict[str, Any]) -> None:
    """Readable rendering of the summary (generated text is shown as plain text, never as markup)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    table = Table(title=Text(path), show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")

    def row(k: str, v: Any) -> None:
        table.add_row(k, Text("" if v is None else str(v)))

    row("format", s["format"])
    row("title", s["title"])
    row("topic", (s["topic"] or "")[:200])
    row("words", s["words"])
    row("sections", f"{len(s['sections'])} headings")
    c, r = s["citations"], s["references"]
    row("citations", f"{c['markers']} markers, {c['distinct']} distinct keys, {c['dangling']} dangling")
    row("references", f"{r['entries']} entries: {r['resolved']} resolved, {r['unresolved']} unresolved, "
                      f"{r['duplicates']} duplicates, {r['uncited']} uncited")
    row("pool papers", s["pool_papers"] if s["pool_papers"] is not None else "-")
    u = s["usage"]
    if u:
        stages = ", ".join(f"{st['name']} {st['input_tokens']}/{st['output_tokens']}" for st in u["stages"])
        row("usage", f"in {u['input_tokens']} / out {u['output_tokens']} tokens, cost {u['cost_usd']} "
                     f"({u['cost_source']}); stages: {stages}")
    else:
        row("usage", "-")
    row("ends mid-sentence", s["ends_mid_sentence"])
    for w in s["warnings"]:
        row("warning", w)
    console.print(table)
    if s["sections"]:
        outline = Table(title="sections", show_header=True)
        outline.add_column("level")
        outline.add_column("title")
        for sec in s["sections"]:
            outline.add_row(str(sec["level"]), Text("  " * (sec["level"] - 1) + sec["title"]))
        console.print(outline)
