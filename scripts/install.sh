#!/usr/bin/env bash
# Install review-harness into ./.venv with the local LLM and test extras (offline-safe; no model downloads).
#
# llama-cpp-python has no wheel on PyPI and its default build targets the build machine's own CPU
# (GGML_NATIVE), which on a VM advertising AMX dies with SIGILL. We build it portably (AVX2/FMA/F16C, no
# AVX-512, no AMX) into a wheel directory keyed by version + build flags, never from pip's own cache, and
# check the installed libggml-cpu for AMX/AVX-512 instructions before declaring success. llama.cpp's own
# llama-server (parallel sequences, continuous batching) is built from the same sdist in the same build tree,
# installed into .venv/libexec/llama-server with its libraries, and checked the same way.
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
SERVER_DIR="$WHEEL_DIR/llama-server"
if ! ls "$WHEEL_DIR"/llama_cpp_python-*.whl >/dev/null 2>&1 || [ ! -x "$SERVER_DIR/llama-server" ]; then
  # One cmake build tree for both: the wheel's libraries, then llama.cpp's own llama-server (which decodes
  # several sequences at once) on top of them, so the server costs only its own sources.
  echo "building llama-cpp-python $LLAMA_VERSION and llama-server portably (about 6-15 min on 2 cores): $CMAKE_ARGS"
  rm -rf "$WHEEL_DIR.tmp" && mkdir -p "$WHEEL_DIR.tmp/src"
  .venv/bin/python -m pip download --quiet --no-cache-dir --no-deps --no-binary :all: \
    "llama-cpp-python==$LLAMA_VERSION" -d "$WHEEL_DIR.tmp"
  tar -xzf "$WHEEL_DIR.tmp"/llama_cpp_python-*.tar.gz -C "$WHEEL_DIR.tmp/src" --strip-components=1
  SRC="$WHEEL_DIR.tmp/src" BUILD="$WHEEL_DIR.tmp/build" JOBS=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
  CMAKE_ARGS="$CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL=$JOBS \
    .venv/bin/python -m pip wheel --quiet --no-cache-dir --no-deps -C build-dir="$BUILD" "$SRC" -w "$WHEEL_DIR.tmp"
  # (LLAVA_BUILD=OFF: llama.cpp's tools now add mtmd, which the server links, themselves; no web UI, no download)
  cmake -S "$SRC" -B "$BUILD" -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAVA_BUILD=OFF -DLLAMA_BUILD_UI=OFF \
    -DLLAMA_USE_PREBUILT_UI=OFF >"$WHEEL_DIR.tmp/server-configure.log"
  cmake --build "$BUILD" --target llama-server -j "$JOBS" >"$WHEEL_DIR.tmp/server-build.log"
  mkdir -p "$WHEEL_DIR.tmp/llama-server"
  BIN=$(find "$BUILD" -type f -name llama-server -perm -u+x | head -1)
  cp "$BIN" "$WHEEL_DIR.tmp/llama-server/"
  # the shared libraries it was linked against in the build tree (ggml, llama, common, mtmd, server), copied
  # beside it; harness.llm.local_server starts it with LD_LIBRARY_PATH set to that directory
  ldd "$BIN" | awk -v b="$BUILD" 'index($3, b) == 1 {print $3}' | xargs -r cp -L -t "$WHEEL_DIR.tmp/llama-server/"
  if LD_LIBRARY_PATH="$WHEEL_DIR.tmp/llama-server" ldd "$WHEEL_DIR.tmp/llama-server/llama-server" | grep "not found"; then
    echo "llama-server: a library it needs was not copied (see above)" >&2; exit 1
  fi
  rm -rf "$SRC" "$BUILD" "$WHEEL_DIR.tmp"/llama_cpp_python-*.tar.gz
  rm -rf "$WHEEL_DIR" && mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"
else
  echo "llama-cpp-python $LLAMA_VERSION: portable wheel and llama-server from $WHEEL_DIR"
fi
# --force-reinstall: a llama-cpp-python already in the venv (perhaps a native build) is replaced.
.venv/bin/python -m pip install --quiet --no-cache-dir --no-deps --force-reinstall "$WHEEL_DIR"/llama_cpp_python-*.whl
.venv/bin/python -m pip install --quiet -e ".[local,test]"
rm -rf .venv/libexec/llama-server && mkdir -p .venv/libexec && cp -R "$SERVER_DIR" .venv/libexec/llama-server
.venv/bin/python scripts/check_llama_build.py
echo "installed: $(.venv/bin/harness --version 2>/dev/null || echo harness)"
