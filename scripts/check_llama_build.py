"""Fail when the installed llama.cpp CPU backend holds AMX or AVX-512 instructions (a non-portable build)."""

from __future__ import annotations

import sys

from harness.llm.local_server import build_report


def main() -> int:
    report = build_report()
    print(report.summary())
    return 0 if report.portable else 1


if __name__ == "__main__":
    sys.exit(main())
