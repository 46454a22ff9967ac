"""`harness tasks list|show|validate`: inspect and check the task suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from harness.cli.app import app

tasks_app = typer.Typer(help="List, show and validate tasks (topic, reference bibliography, candidate pool).",
                        no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")

DirOption = typer.Option(None, "--dir", help="Tasks dir (default: $HARNESS_TASKS_DIR or the repo's tasks/).")


@tasks_app.command("list")
def list_tasks(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON list instead of a table."),
    tasks_dir: Optional[Path] = DirOption,
) -> None:
    """Counts per task. reference_papers / with_arxiv_id count the reference bibliography; with_abstract counts
    pool papers (what generators see); pool counts pool papers per role (reference, topical, near-topic,
    off-topic); pooled_reference_ids counts the wider SurveyBench set; target_words is a list: min, max."""
    from harness.tasks import ROLES, load_suite, task_counts

    rows = [task_counts(t) for t in load_suite(tasks_dir).values()]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # piped or captured: do not squeeze the table into 80 columns
        console = Console(width=max(console.width, 180))
    table = Table(title=f"{len(rows)} tasks", box=box.SIMPLE_HEAD,
                  caption="refs, arXiv: reference bibliography; abstr.: pool papers with an abstract; "
                          "ref/top/near/off: pool papers per role; pooled: SurveyBench pooled ids")
    table.add_column("id", no_wrap=True, min_width=16)
    for col in ("refs", "arXiv", "abstr.", "ref", "top", "near", "off", "pooled", "words"):
        table.add_column(col, justify="right", no_wrap=True, min_width=len(col))
    table.add_column("SurveyBench topic", overflow="fold")
    for r in rows:
        table.add_row(r["id"], str(r["reference_papers"]), str(r["with_arxiv_id"]),
                      f"{r['with_abstract']}/{r['pool_size']}", *(str(r["pool"][role]) for role in ROLES),
                      str(r["pooled_reference_ids"]), f"{r['target_words'][0]}-{r['target_words'][1]}",
                      r["surveybench_topic"] or "-")
    console.print(table)


@tasks_app.command("show")
def show_task(
    task_id: str = typer.Argument(..., help="Task id (or path to a task file)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full task as JSON."),
    tasks_dir: Optional[Path] = DirOption,
) -> None:
    """A task's topic, reference survey, targets and counts (--json: the whole task)."""
    from harness.tasks import get_task, task_counts

    task = get_task(task_id, tasks_dir)
    if as_json:
        typer.echo(json.dumps(task.model_dump(mode="json"), ensure_ascii=False, indent=1))
        return
    c = task_counts(task)
    rs = task.reference_survey
    refs_max = task.target_references.max
    who = ", ".join(rs.authors[:3]) + (" et al." if len(rs.authors) > 3 else "") if rs.authors else "authors unknown"
    lines = [
        f"task {task.id}  (hash {(task.content_hash or '')[:12]})",
        f"topic: {task.topic}",
        f"since: {task.since if task.since is not None else '-'}",
        f"reference survey: {rs.title} ({who}; {rs.year or 'year unknown'}; arXiv {rs.arxiv_id or '-'})",
        f"outline: {len(rs.outline)} headings" + (f"; alternate outline: {len(rs.alternate_outline)} headings"
                                                   if rs.alternate_outline else "")
        + (f"; alternates: {len(task.alternate_reference_surveys)}" if task.alternate_reference_surveys else ""),
        f"reference papers: {c['reference_papers']} ({c['with_arxiv_id']} with arXiv id)",
        _abstract_line(c, task),
        f"pool: {c['pool_size']} papers, " + ", ".join(f"{k} {v}" for k, v in c["pool"].items())
        + f"; {c['with_abstract']} with abstract",
        f"pooled reference ids: {c['pooled_reference_ids']}; papers known: {c['papers']}",
        f"target words: {task.target_words.min}-{task.target_words.max}; target references: "
        f"{task.target_references.min}-{'open' if refs_max is None else refs_max}",
        f"SurveyBench topic: {task.surveybench_topic or '-'}",
    ]
    sources = task.provenance.get("sources") or []
    if sources:
        lines.append("sources: " + ", ".join(s.get("path", "?") for s in sources))
    typer.echo("\n".join(lines))


def _abstract_line(c: dict, task) -> str:
    """Abstract coverage of the bibliography (share, grades) and of the pool."""
    n, k = c["reference_papers"], c["reference_with_abstract"]
    grades = ", ".join(f"{g} {v}" for g, v in c["reference_abstract_grades"].items()) or "none"
    line = f"abstracts: {k} of {n} reference papers ({k / n:.0%}; by grade: {grades}); pool {c['with_abstract']}/" \
           f"{c['pool_size']}"
    unresolvable = task.provenance.get("unresolvable_reference_ids") or []
    if unresolvable:
        line += f"\nunresolvable bibliography ids (no title, not counted): {len(unresolvable)}"
    return line


@tasks_app.command("validate")
def validate_tasks(path: Path = typer.Argument(..., help="A task file (.json/.yaml/.yml), a dir of them, "
                                                        "or a .jsonl dataset export.")) -> None:
    """Validate task files: prints 'ok N tasks', or the first problem (file, field, line) and exits 2."""
    from harness.errors import HarnessError
    from harness.tasks import load_suite, load_task_dataset, load_task_file

    if path.is_dir():
        n = len(load_suite(path))
    elif path.suffix.lower() == ".jsonl":
        n = len(load_task_dataset(path))
    elif path.exists():
        load_task_file(path)
        n = 1
    else:
        raise HarnessError("no such file or directory", path=path)
    typer.echo(f"ok {n} tasks")
