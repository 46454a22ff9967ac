"""The one typer app every command module registers on."""

from __future__ import annotations

import typer

import harness

app = typer.Typer(
    name="harness",
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
    from harness.core.errors import set_warning_sink

    # what was lost or replaced reading the user's files is said on stderr, one line each, while a command runs
    set_warning_sink(lambda message: typer.echo(f"warning: {message}", err=True))
    ctx.call_on_close(lambda: set_warning_sink(None))
