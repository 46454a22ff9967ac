"""run.log: the runner's log lines for one session, with every registered secret redacted."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Iterator

from harness.core.secrets import redact_text

__all__ = ["RedactingFormatter", "run_log"]


class RedactingFormatter(logging.Formatter):
    """run.log never holds an API key."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(super().format(record))


@contextlib.contextmanager
def run_log(path: Path, logger: logging.Logger) -> Iterator[None]:
    """Append the logger's INFO lines to path while the block runs (the logger's level is restored after)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(old_level)
