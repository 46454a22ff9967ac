"""`harness generate`: a provider failure exits non-zero and writes nothing; --api-base and a config's api_base
reach the provider (issue 28, item 5)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from reliability.conftest import small_task  # tests/ is on sys.path (rootdir conftest)

runner = CliRunner()


def _task(tmp: Path) -> Path:
    p = tmp / "gen-task.json"
    p.write_text(json.dumps(small_task("gen-task", "graph neural networks")), encoding="utf-8")
    return p


def _dead_base() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


@pytest.mark.timeout(180)
def test_connection_error_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "review.md"
    res = runner.invoke(app, ["generate", "--task", str(_task(tmp_path)), "--model", "openai/fault-chat",
                              "--api-base", _dead_base(), "--max-tokens", "50", "--out", str(out)])
    assert res.exit_code == 3, res.output
    assert not out.exists()
    assert "error:" in res.output and "nothing written" in res.output


@pytest.mark.timeout(180)
def test_api_base_option_and_config_api_base_reach_the_server(tmp_path: Path, fault_server) -> None:
    out = tmp_path / "review.md"
    res = runner.invoke(app, ["generate", "--task", str(_task(tmp_path)), "--model", "openai/fault-chat",
                              "--api-base", fault_server.api_base, "--max-tokens", "200", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 0 and fault_server.count == 1
    cfg = tmp_path / "exp.yaml"
    cfg.write_text("generators:\n  - {name: fake, kind: llm, model: openai/fault-chat, api_base: "
                   f"'{fault_server.api_base}', params: {{max_tokens: 200}}}}\n", encoding="utf-8")
    out2 = tmp_path / "review2.json"
    res = runner.invoke(app, ["generate", "--task", str(_task(tmp_path)), "--config", str(cfg), "--seed", "1",
                              "--out", str(out2)])
    assert res.exit_code == 0, res.output
    assert fault_server.count == 2 and json.loads(out2.read_text())["generator"] == "fake"
