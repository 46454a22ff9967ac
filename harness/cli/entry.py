"""The `harness` entry point: offline-safe environment defaults set before any command module loads, then the app;
a HarnessError is printed as one line and exits 2."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bars on stderr

from harness.cli.app import app  # noqa: E402
from harness.core.errors import HarnessError  # noqa: E402


def main() -> None:
    """Entry point: run the app, print HarnessError as one line and exit 2."""
    try:
        app()
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


__all__ = ["main"]
