"""`harness view`: browse runs in a local web app and label the judges' verdicts."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import List, Optional

import typer

from harness import view as view_pkg
from harness.cli.app import app
from harness.cli.report_cmd import resolve_run_dir
from harness.view import ANNOTATIONS, labels


@app.command("view")
def view(
    run_dirs: List[Path] = typer.Argument(..., help="Run directories ('latest': the newest); several are joined "
                                                    "by (task, seed) as in `harness report`."),
    host: Optional[str] = typer.Option(None, "--host", help="Interface to listen on (default 127.0.0.1; any other "
                                                           "lets other machines read the runs and post labels)."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Port (default: a free one)."),
    annotator: Optional[str] = typer.Option(None, "--annotator", help="Name written with each label "
                                                                     "(default: the login name)."),
    export_labels: Optional[Path] = typer.Option(None, "--export-labels", help="Write the runs' labels "
                                                                              "(annotations.jsonl) to this CSV and "
                                                                              "exit."),
    rename: Optional[List[str]] = typer.Option(None, "--as", help="NAME=RUN/GEN, as in `harness report`."),
    n_boot: int = typer.Option(2000, "--n-boot", min=100, help="Bootstrap resamples of the leaderboard's CIs."),
) -> None:
    """Serve a local web app over the runs (prints its URL; Ctrl-C stops); labels go to RUN/annotations.jsonl."""
    dirs = [resolve_run_dir(d) for d in run_dirs]
    if export_labels is not None:
        records = [r for d in dirs for r in labels.read(d / ANNOTATIONS)]
        n = labels.export_csv(records, export_labels)
        typer.echo(f"{n} label record(s) written to {export_labels}")
        return
    if host is not None and host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"warning: listening on {host}: anyone who can reach it can read these runs and post labels",
                   err=True)
    data = view_pkg.load_view(dirs, rename)
    view_pkg.serve(data, host=host or "127.0.0.1", port=port, annotator=annotator or _login(), n_boot=n_boot,
          echo=typer.echo)


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "anonymous"
