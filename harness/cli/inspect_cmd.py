"""`harness inspect PATH`: parse a generator output, resolve its references, print its structure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.cli.app import app
from harness.cli.batch import each_file
from harness.core.text import count_words, ends_mid_sentence, marker_spans
from harness.papers.resolve import resolve_for_task, resolve_review
from harness.readers import read_review
from harness.readers.cite_n import CITE_N_NO_POOL
from harness.scorers.context import ScoringSuite
from harness.tasks.suite import get_task


def inspect_summary(resolved: Any, pool_papers: int | None) -> dict[str, Any]:
    """The inspect JSON object. citations.markers counts citation occurrences (one per marker key, so
    "[3-5]" counts 3); distinct counts distinct keys; dangling counts distinct keys without a reference entry."""
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
        "sources": list(review.sources),
        "title": review.title,
        "topic": review.topic,
        "words": count_words(review.text, marker_spans(review.citations)),
        "sections": [{"level": s.level, "title": s.title} for s in review.sections],
        "citations": {"markers": len(keys), "distinct": len(set(keys)), "dangling": len(report.dangling),
                      "groups": len(review.citations), "styles": _styles(review)},
        "references": {"entries": len(review.references), "resolved": len(report.resolved),
                       "unresolved": len(report.unresolved), "duplicates": len(report.duplicates),
                       "uncited": len(report.uncited), "classes": report.class_counts,
                       "list": [{"key": e.key, "aliases": e.aliases, "class": e.ref_class, "title": e.title,
                                 "arxiv_id": e.arxiv_id, "doi": e.doi, "url": e.url, "paper_id": e.paper_id}
                                for e in review.references]},
        "pool_papers": pool_papers,
        "usage": usage,
        "ends_mid_sentence": ends_mid_sentence(review.text),
        "warnings": list(review.warnings),
    }


def _styles(review) -> dict[str, int]:
    """Citation groups per marker style."""
    out: dict[str, int] = {}
    for c in review.citations:
        out[c.style or "numeric"] = out.get(c.style or "numeric", 0) + 1
    return out


PathArg = typer.Argument(..., help="Generator outputs (report .txt, markdown, AutoSurvey JSON, ref.json, LaTeX, "
                                        "OpenScholar JSON, a STORM output folder).")


@app.command("inspect")
def inspect(
    paths: list[Path] = PathArg,
    task: str | None = typer.Option(None, "--task", help="Resolve against this task's papers and pool."),
    format: str | None = typer.Option(None, "--format", help="Force a format: litreview-report, markdown, "
                                         "autosurvey-json, cite-n, surveybench-ref, latex, openscholar, storm."),
    bib: Path | None = typer.Option(None, "--bib", help="BibTeX file for a LaTeX review (default: a .bib beside "
                                    "the .tex)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object per file, one per line."),
) -> None:
    """Parse each PATH and show words, sections, citations, references (with their classes), usage.

    Without --task, references resolve against the papers the file itself lists (e.g. "Papers Used"), but only
    the harness's paper index and the references' own identifiers decide their class."""
    t = get_task(task) if task else None
    known = ScoringSuite.from_env().known()  # the default suite's papers + HARNESS_PAPER_FILES

    def one(path: Path) -> None:
        review = read_review(path, format=format, bib=bib)
        if t is not None:
            resolved = resolve_for_task(review, t, known)
            pool_papers: int | None = len(t.pool)
        else:
            resolved = resolve_review(review, review.papers, known=known, papers_are_task=False)
            pool_papers = len(review.papers) or None
            if any(k.startswith("cite_") for c in review.citations for k in c.keys) and not review.papers:
                resolved.review.warnings.append(CITE_N_NO_POOL)
        summary = inspect_summary(resolved, pool_papers)
        if as_json:
            typer.echo(json.dumps({"path": str(path), **summary}, ensure_ascii=False))
        else:
            _print_table(str(path), summary)

    each_file(paths, one)


def _print_table(path: str, s: dict[str, Any]) -> None:
    """Readable rendering of the summary (generated text is shown as plain text, never as markup)."""
    console = Console()
    table = Table(title=Text(path), show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")

    def row(k: str, v: Any) -> None:
        table.add_row(k, Text("" if v is None else str(v)))

    row("format", s["format"] + (f" (read from {', '.join(s['sources'])})" if s.get("sources") else ""))
    row("title", s["title"])
    row("topic", (s["topic"] or "")[:200])
    row("words", s["words"])
    row("sections", f"{len(s['sections'])} headings")
    c, r = s["citations"], s["references"]
    row("citations", f"{c['markers']} markers, {c['distinct']} distinct keys, {c['dangling']} dangling")
    row("references", f"{r['entries']} entries: {r['resolved']} resolved, {r['unresolved']} unresolved, "
                      f"{r['duplicates']} duplicates, {r['uncited']} uncited")
    row("reference classes", ", ".join(f"{n} {k}" for k, n in sorted(r["classes"].items())) or "-")
    row("citation styles", ", ".join(f"{n} {k}" for k, n in sorted(c["styles"].items())) or "-")
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
    if r["list"]:
        refs = Table(title="references", show_header=True)
        for col in ("key", "class", "title / identifier"):
            refs.add_column(col)
        for e in r["list"]:
            ident = e["arxiv_id"] or e["doi"] or e["url"] or ""
            key = e["key"] + (" " + " ".join(e["aliases"]) if e["aliases"] else "")
            refs.add_row(Text(key), Text(e["class"] or "-"), Text(((e["title"] or "")[:90] + "  " + ident).strip()))
        console.print(refs)
    if s["sections"]:
        outline = Table(title="sections", show_header=True)
        outline.add_column("level")
        outline.add_column("title")
        for sec in s["sections"]:
            outline.add_row(str(sec["level"]), Text("  " * (sec["level"] - 1) + sec["title"]))
        console.print(outline)
