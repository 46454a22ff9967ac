"""The one typer app every command module registers on, and the root group that imports a module when its
command runs: `harness --help` lists every command without loading any, and each command loads only its own."""

from __future__ import annotations

import importlib
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

import harness
from harness.core.errors import set_warning_sink

# command or group -> (the module that registers it, the first paragraph of its help: what `harness --help` lists
# before the module is loaded; tests/cli/test_app.py checks both against the registered commands)
COMMANDS: dict[str, tuple[str, str]] = {
    "inspect": ("harness.cli.inspect_cmd", "Parse each PATH and show words, sections, citations, references (with "
                "their classes), usage."),
    "score": ("harness.cli.score_cmd", "Score each PATH with the scorer families (all, or those --scorers names) "
              "and print the scores."),
    "generate": ("harness.cli.generate_cmd", "Produce one review for a quick try, print its size, flags, tokens "
                 "and cost."),
    "run": ("harness.cli.run_cmd", "Run an experiment matrix (tasks x generators x seeds), score every cell, and "
            "write a run directory."),
    "rescore": ("harness.cli.run_cmd", "Recompute scores from a run's stored generations (no provider call) and "
                "rewrite scores.parquet."),
    "report": ("harness.cli.report_cmd", "Write report.md / report.tex / report.html and PNG plots for one or more "
               "runs, and print their paths."),
    "compare": ("harness.cli.report_cmd", "Paired comparison of two runs; exit 0 when no gated metric regressed, 1 "
                "on a regression, 2 on bad usage."),
    "verify-refs": ("harness.cli.verify_cmd", "Look identified/unidentified references up on arXiv (ids), Crossref "
                    "(DOIs) and OpenAlex (titles):\nfound -> verified, missing -> not_found; answers are cached, "
                    "requests spaced politely. Exit 0 when every\nlookup was answered, 4 when some failed (each "
                    "file's summary on stderr), 2 when a file could not be read."),
    "view": ("harness.cli.view_cmd", "Serve a local web app over the runs (prints its URL; Ctrl-C stops); labels "
             "go to RUN/annotations.jsonl."),
    "tasks": ("harness.cli.tasks_cmd", "List, show and validate tasks (topic, reference bibliography, candidate "
              "pool)."),
    "local-llm": ("harness.cli.generate_cmd", "The embedded local LLM (Gemma 3 270M on llama.cpp): start, stop, "
                  "status."),
    "cache": ("harness.cli.run_cmd", "The LLM response cache (SQLite): stats, clear, prune."),
    "judges": ("harness.cli.judges_cmd", "Measure the judges (support, relevance) against human labels; list them "
               "with their judge cards."),
}


class LazyCommands(TyperGroup):
    """The root group: every command of COMMANDS is listed (and suggested for a typo) from a placeholder until it
    is resolved to run (or to show its own help), which imports its module and takes the registered command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (_module, text) in COMMANDS.items():
            self.commands.setdefault(name, TyperCommand(name, help=text))

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def resolve_command(self, ctx: typer.Context, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args and args[0] in COMMANDS:
            self.load(args[0])
        return super().resolve_command(ctx, args)

    def load(self, name: str) -> Any:
        """The command as its module registers it (the module imported now if it was not)."""
        importlib.import_module(COMMANDS[name][0])
        built = typer.main.get_command(app)
        assert isinstance(built, TyperGroup)
        self.commands[name] = built.commands[name]
        return self.commands[name]


app = typer.Typer(
    name="harness",
    cls=LazyCommands,
    help="Evaluate literature-review generators: coverage, citations, length, cost; tables with CIs; a CI gate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"review-harness {harness.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Evaluate literature-review generators."""
    # what was lost or replaced reading the user's files is said on stderr, one line each, while a command runs
    set_warning_sink(lambda message: typer.echo(f"warning: {message}", err=True))
    ctx.call_on_close(lambda: set_warning_sink(None))
