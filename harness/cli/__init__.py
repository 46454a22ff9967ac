"""`harness` command line: one module per command group, all registered on one app (`app`), each imported when
its command runs; `entry` is the console script."""

from harness.cli.entry import main  # first: it sets the environment defaults the command modules read
from harness.cli.app import app  # noqa: I001

__all__ = ["app", "main"]
