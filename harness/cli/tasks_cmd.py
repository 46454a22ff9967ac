"""`harness tasks list|show|validate`: inspect and check the task suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from harness.cli.app import app
from harness.core.errors import HarnessError
from harness.models import ReferenceSurvey
from harness.papers.records import Entries, read_papers_file
from harness.tasks.hf import export_suite
from harness.tasks.new.assemble import NewTaskSpec, build_task, file_source, parse_word_range, read_outline, write_task
from harness.tasks.new.bibtex import read_bibtex
from harness.tasks.new.scholar import ScholarClient, survey_entries
from harness.tasks.shipped import off_topic_pools
from harness.tasks.suite import ROLES, get_task, load_suite, load_task_dataset, load_task_file, task_counts

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
    rows = [task_counts(t) for t in load_suite(tasks_dir).values()]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
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
                      str(r["pooled_reference_ids"]), f"{r['target_words'][0]}-{r['target_words'][1]}" if r["target_words"] else "-",
                      r["surveybench_topic"] or "-")
    console.print(table)


@tasks_app.command("show")
def show_task(
    task_id: str = typer.Argument(..., help="Task id (or path to a task file)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full task as JSON."),
    tasks_dir: Optional[Path] = DirOption,
) -> None:
    """A task's topic, reference survey, targets and counts (--json: the whole task)."""
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
        f"target words: {f'{task.target_words.min}-{task.target_words.max}' if task.target_words else 'none'}; "
        "target references: "
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
                                                        "a .jsonl dataset export, or hf:DIR_OR_ID.")) -> None:
    """Validate task files: prints 'ok N tasks', or the first problem (file, field, line) and exits 2."""
    if str(path).startswith("hf:") or path.is_dir():  # hf:DIR_OR_ID: a `tasks export --format hf` dataset
        n = len(load_suite(str(path) if str(path).startswith("hf:") else path))
    elif path.suffix.lower() == ".jsonl":
        n = len(load_task_dataset(path))
    elif path.exists():
        load_task_file(path)
        n = 1
    else:
        raise HarnessError("no such file or directory", path=path)
    typer.echo(f"ok {n} tasks")


def _read_entries(path: Path, what: str) -> Entries:
    """A .bib or .jsonl bibliography file as Entries (format by suffix)."""
    if not path.is_file():
        raise HarnessError("no such file", path=path, field=what)
    if path.suffix.lower() == ".bib":
        return read_bibtex(path)
    if path.suffix.lower() in (".jsonl", ".json"):
        return read_papers_file(path)
    raise HarnessError("expected a .bib or .jsonl file", path=path, field=what)


@tasks_app.command("new")
def new_task(
    out: Path = typer.Option(..., "--out", help="Task file to write (.json, .yaml or .yml)."),
    topic: str = typer.Option(..., "--topic", help="The review topic (what generators are asked to write about)."),
    bib: Optional[Path] = typer.Option(None, "--bib", help="Reference bibliography as BibTeX."),
    papers: Optional[Path] = typer.Option(None, "--papers", help="Reference bibliography as JSONL (one paper a line)."),
    from_arxiv: Optional[str] = typer.Option(None, "--from-arxiv", help="arXiv id of a survey: its references "
                                             "from Semantic Scholar (online; abstracts filled from arXiv)."),
    task_id: Optional[str] = typer.Option(None, "--id", help="Task id (default: the --out file name)."),
    outline: Optional[Path] = typer.Option(None, "--outline", help="Reference outline (markdown headings)."),
    target_words: str = typer.Option("4000-6000", "--target-words", help="Word target MIN-MAX."),
    reference_survey_title: Optional[str] = typer.Option(None, "--reference-survey-title",
                                                         help="Title of the survey the bibliography comes from."),
    pool: Optional[Path] = typer.Option(None, "--pool", help="Topical candidate papers (.bib or .jsonl) for the "
                                        "pool; off-topic negatives come from the shipped distractor pools."),
    pool_size: int = typer.Option(60, "--pool-size", min=1, help="Candidate pool size (half reference papers, a "
                                  "quarter topical, a quarter off-topic)."),
    min_papers: int = typer.Option(10, "--min-papers", min=1, help="Fewest usable bibliography entries to write."),
    since: Optional[int] = typer.Option(None, "--since", help="Year the review should start from."),
) -> None:
    """Write a validated task file from a bibliography (--bib / --papers, offline) or a survey's arXiv id
    (--from-arxiv, online). Bad entries are reported by key and line and dropped; the task is still written when
    at least --min-papers remain, and its provenance lists what was dropped."""
    given = [n for n, v in (("--bib", bib), ("--papers", papers), ("--from-arxiv", from_arxiv)) if v]
    if len(given) != 1:
        raise HarnessError("give exactly one of --bib, --papers, --from-arxiv" + (f" (got {', '.join(given)})"
                                                                                 if given else ""))
    survey = ReferenceSurvey(title=reference_survey_title) if reference_survey_title else None
    if from_arxiv:
        survey, entries, source = _arxiv_entries(from_arxiv, survey)
    else:
        path = bib or papers
        entries, source = _read_entries(path, given[0]), file_source(path, "bibliography")
    sources = [source]
    topical = _read_entries(pool, "--pool") if pool else None
    if pool:
        sources.append(file_source(pool, "topical_pool"))
    off = off_topic_pools()
    sources += [p.source() for p in off]
    spec = NewTaskSpec(task_id=task_id or out.stem, topic=topic, target_words=parse_word_range(target_words),
                       reference_survey=survey, outline=read_outline(outline) if outline else [], since=since,
                       pool_size=pool_size, min_papers=min_papers)
    task = build_task(spec, entries, topical, off, sources)
    write_task(task, out)
    typer.echo("\n".join(_written_lines(out, task, entries, topical, pool)))


def _arxiv_entries(arxiv_id: str, survey: ReferenceSurvey | None) -> tuple[ReferenceSurvey, Entries, dict]:
    """A survey's references from Semantic Scholar (abstracts filled from arXiv): the survey (the given title
    kept), its entries and their provenance source; prints what the lookups found."""
    client = ScholarClient.from_env()
    survey_found, entries, stats = survey_entries(arxiv_id, client)
    survey = survey.model_copy(update={"arxiv_id": survey_found.arxiv_id}) if survey else survey_found
    source = {"path": entries.source, "role": "references", "api": "Semantic Scholar Graph API; missing abstracts "
              "from the arXiv API", **stats}
    typer.echo(f"Semantic Scholar: {stats['references']} references of {survey_found.title!r}; abstracts: "
               f"{stats['abstracts_from_s2']} from S2, {stats['abstracts_from_arxiv']} from arXiv, "
               f"{stats['without_abstract']} without; {client.requests} requests, {client.cache_hits} cached, "
               f"{client.retried} retried")
    return survey, entries, source


def _written_lines(out: Path, task, entries: Entries, topical: Entries | None, pool: Path | None) -> list[str]:
    """What `tasks new` wrote: the task's counts, then the dropped and ignored entries of each input file."""
    counts = task.provenance["pool_recipe"]["counts"]
    lines = [f"wrote {out}: task {task.id}, {len(task.reference_papers)} reference papers, pool {len(task.pool)} "
             f"({', '.join(f'{k} {v}' for k, v in counts.items())}), hash {task.content_hash[:12]}"]
    for label, probs in (("dropped", entries.dropped), ("ignored fields", [p for p in entries.problems
                                                                            if p.action == "field ignored"])):
        if probs:
            lines.append(f"{len(probs)} {label} in {entries.source}:")
            lines += [f"  {p}" for p in probs]
    if topical is not None and topical.problems:
        lines.append(f"{len(topical.problems)} problems in the --pool file {pool}:")
        lines += [f"  {p}" for p in topical.problems]
    return lines


@tasks_app.command("export")
def export_tasks(
    out: Path = typer.Argument(..., help="Output dir (created)."),
    format: str = typer.Option("hf", "--format", help="hf: a Hugging Face `datasets` dataset (tasks, papers and "
                               "pool tables as parquet, with a README naming them)."),
    tasks_dir: Optional[Path] = DirOption,
) -> None:
    """Write the task suite as a dataset; load it back with `tasks: hf:DIR` in a config (or --dir hf:DIR)."""
    if format != "hf":
        raise HarnessError(f"unknown export format {format!r}", field="--format", hint="known: hf")
    suite = load_suite(tasks_dir)
    counts = export_suite(suite, out)
    typer.echo(f"wrote {out}: " + ", ".join(f"{k} {v} rows" for k, v in counts.items()))
