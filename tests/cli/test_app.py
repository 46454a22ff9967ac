"""The root command group: `harness --help` lists every command from harness.cli.app.COMMANDS without importing
the command modules, and that table agrees with what the modules register."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from harness.cli import app
from harness.cli.app import COMMANDS

REPO = Path(__file__).resolve().parents[2]


def _registered() -> dict[str, object]:
    """Every command and group the command modules register, as typer builds them."""
    for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
        importlib.import_module(module)
    return dict(typer.main.get_command(app).commands)


def test_the_table_lists_each_registered_command_with_its_own_help() -> None:
    registered = _registered()
    assert set(registered) == set(COMMANDS)  # a new command must be added to the table to be listed
    for name, (module, text) in COMMANDS.items():
        cmd = registered[name]
        assert inspect.cleandoc(cmd.help or "").split("\n\n")[0] == text, name
        callbacks = [cmd.callback] if cmd.callback else [c.callback for c in cmd.commands.values()]
        assert {c.__module__ for c in callbacks} == {module}, name


def test_help_imports_no_command_module() -> None:
    code = ("import sys\nfrom harness.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('\\n' + __import__('json').dumps(sorted(m for m in sys.modules if m.startswith('harness.cli.') "
            "or m in ('polars', 'harness.runner', 'harness.report', 'harness.scorers'))))")
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    loaded = json.loads(out.strip().splitlines()[-1])
    assert loaded == ["harness.cli.app", "harness.cli.entry"]
    for name in COMMANDS:
        assert name in out


def test_a_command_is_loaded_when_it_runs_and_a_typo_is_still_suggested() -> None:
    res = CliRunner().invoke(app, ["tasks", "--help"])
    assert res.exit_code == 0 and "validate" in res.output
    res = CliRunner().invoke(app, ["tsks"])
    assert res.exit_code == 2 and "Did you mean 'tasks'" in res.output
