"""A run with failed cells: exit 3, a summary grouped by cause, a dying local server diagnosed and not restarted."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.cli.run_cmd import parse_max_failures
from harness.core.errors import HarnessError
from harness.runner.store import read_errors

from .helpers import TASKS, config_dict, write_config

runner = CliRunner()
FAULT_SERVER = Path(__file__).parents[1] / "fakes" / "provider.py"
REPO = Path(__file__).parents[2]


def _dead_api_base() -> str:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _run_dir(tmp_path: Path) -> Path:
    (run,) = (tmp_path / "results").iterdir()
    return run


@pytest.fixture
def sigill_local_server(tmp_path, monkeypatch):
    """local/gemma-3-270m served by a stand-in that dies of SIGILL on its first completion."""
    from harness.llm import local_server as local_llm
    script = json.dumps([{"faults": ["sigill"]}], separators=(",", ":"))
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "hc"))
    monkeypatch.setenv("HARNESS_LOCAL_LLM_COMMAND", f"{sys.executable} {FAULT_SERVER} --lifetime 60 --script {script}")
    yield tmp_path / "hc" / "local-llm.log"
    local_llm.new_run()


def test_a_local_server_dying_of_sigill_fails_its_cells_once_each_and_the_run_exits_3(sigill_local_server, tmp_path):
    data = config_dict("unused", tmp_path, llm=0)
    data["generators"].insert(0, {"name": "gemma", "kind": "llm", "model": "local/gemma-3-270m",
                                  "strategy": "zero_shot", "mode": "completion", "pool": {"method": "recent", "k": 4},
                                  "params": {"max_tokens": 16}})
    res = runner.invoke(app, ["run", str(write_config(tmp_path / "cfg.yaml", data))])
    assert res.exit_code == 3, res.output
    assert "2 cells failed: local/gemma-3-270m: server died (SIGILL) x2" in res.output
    assert sigill_local_server.read_text().count("starting: ") == 1  # diagnosed at start, never restarted
    errors = read_errors(_run_dir(tmp_path))
    assert len(errors) == 2 and {e["cause"] for e in errors} == {"server died (SIGILL)"}
    assert all("built for CPU features this machine cannot run" in e["error"] for e in errors)
    assert all(e["attempts"] == 1 for e in errors)  # failed fast: no retries against a dead server
    res = runner.invoke(app, ["report", str(_run_dir(tmp_path)), "--format", "md,html"])
    assert res.exit_code == 0, res.output
    report = _run_dir(tmp_path) / "report"
    md, html = (report / "report.md").read_text(), (report / "report.html").read_text()
    line = "2 cells failed: local/gemma-3-270m: server died (SIGILL) x2"
    assert line in md and md.index(line) < md.index("eaderboard")  # the failures open the report
    assert 'class="banner"' in html and line in html


def test_a_dead_api_base_makes_the_run_exit_3_unless_tolerated(tmp_path):
    data = config_dict(_dead_api_base(), tmp_path, tasks=TASKS)  # 2 tasks x (fake-0, extractive, recent)
    cfg = write_config(tmp_path / "cfg.yaml", data)
    res = runner.invoke(app, ["run", str(cfg)])
    assert res.exit_code == 3, res.output
    assert "2 cells failed: openai/fake-0: connection" in res.output
    run = _run_dir(tmp_path)
    assert runner.invoke(app, ["run", "--resume", str(run), "--max-failures", "2"]).exit_code == 0
    assert runner.invoke(app, ["run", "--resume", str(run), "--max-failures", "1"]).exit_code == 3
    assert runner.invoke(app, ["run", "--resume", str(run), "--max-failures", "0.34"]).exit_code == 0  # 2/6
    assert runner.invoke(app, ["run", "--resume", str(run), "--max-failures", "0.3"]).exit_code == 3


@pytest.mark.parametrize("value, expected", [(None, 0), ("0", 0), ("3", 3), ("0.25", 0.25), ("1.0", 1.0)])
def test_max_failures_is_a_count_or_a_rate(value, expected):
    got = parse_max_failures(value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("value", ["-1", "1.5", "lots", "2.5"])
def test_a_bad_max_failures_is_a_usage_error(value):
    with pytest.raises(HarnessError, match="--max-failures"):
        parse_max_failures(value)


@pytest.mark.parametrize("live", [True, False], ids=["concurrent-calls", "dead-api-base"])
def test_a_run_prints_no_unclosed_client_session_lines(tmp_path, server, live):
    server.latency_s = 0.2  # calls overlap: litellm's aiohttp transport leaked a session per race here
    data = config_dict(server.api_base if live else _dead_api_base(), tmp_path, llm=4 if live else 1, seeds=[0, 1],
                       offline=False, concurrency={"global": 8})
    for g in data["generators"]:
        g["mode"] = "completion"  # text completions, as the default run's local model makes
    cfg = write_config(tmp_path / "cfg.yaml", data)
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", str(cfg)], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert proc.returncode == (0 if live else 3), proc.stdout + proc.stderr
    assert "Unclosed" not in proc.stderr and "Traceback" not in proc.stderr


def test_provider_calls_open_no_aiohttp_session_that_could_be_left_unclosed(server, monkeypatch):
    """litellm's aiohttp transport leaks sessions under concurrent calls; the harness uses httpx's transport."""
    import asyncio

    import aiohttp

    from harness.generators.base import LLMRequest
    from harness.llm.client import LiteLLMClient

    opened = []
    real_init = aiohttp.ClientSession.__init__

    def counting_init(self, *args, **kwargs):
        opened.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(aiohttp.ClientSession, "__init__", counting_init)

    async def calls():
        client = LiteLLMClient(timeout_s=30)
        reqs = [LLMRequest(model="openai/fake", stage="write", api_base=server.api_base, mode=mode, max_tokens=8,
                           prompt=f"hi {i}" if mode == "completion" else None,
                           messages=[{"role": "user", "content": f"hi {i}"}] if mode == "chat" else None)
                for i in range(4) for mode in ("completion", "chat")]
        await asyncio.gather(*(client.complete(r) for r in reqs))
        await client.aclose()

    asyncio.run(calls())
    assert server.count == 8 and opened == []
