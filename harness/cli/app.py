"""The one typer app every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="harness",
    help="Evaluate literature-review generators: coverage, citations, length, cost; tables with CIs; a CI gate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
