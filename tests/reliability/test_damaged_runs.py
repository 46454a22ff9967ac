"""Damaged run directories: every file of a real run is truncated, filled with garbage, emptied and deleted in
turn; `report`, `rescore`, `compare` and `run --resume` then either complete with a warning that names the
damaged file, or stop with one `error:` line naming it (exit 2). Never a traceback, never a silent partial result:
a command that completes without a warning must give exactly what it gives on the intact run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable

import polars as pl
import pytest
from typer.testing import CliRunner

from harness.core.errors import HarnessError

from .conftest import small_task

FILES = ["manifest.json", "generations.jsonl", "scores.jsonl", "scores.parquet", "errors.jsonl", "usage.jsonl",
         "run.log"]
GARBAGE = b"\x00\x9f\xffnot json at all {\n[1, 2\n42\n"


def _truncate(p: Path) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


DAMAGES: dict[str, Callable[[Path], None]] = {
    "truncate": _truncate,
    "garbage": lambda p: p.write_bytes(GARBAGE),
    "empty": lambda p: p.write_bytes(b""),
    "delete": lambda p: p.unlink(),
}


@pytest.fixture(scope="module")
def intact(tmp_path_factory) -> Path:
    """A real run made by the runner, with every kind of run file: 2 small tasks x (extractive, an LLM served by
    the fault server, a replay that has an output for one task only, so the other cell fails) x 1 seed."""
    from harness.config import ExperimentConfig
    from harness.runner import run_experiment

    from fakes.provider import FaultServer

    root = tmp_path_factory.mktemp("damaged")
    tasks, replay = root / "tasks", root / "replay"
    tasks.mkdir()
    replay.mkdir()
    for tid, topic, off in (("rel-alpha", "graph neural networks", 0), ("rel-beta", "speech recognition", 50)):
        (tasks / f"{tid}.json").write_text(json.dumps(small_task(tid, topic, offset=off), indent=1))
    (replay / "rel-alpha.md").write_text("# GNNs\n\n## Intro\n\nGraph models pass messages [1].\n\n"
                                         "## References\n\n[1] graph neural networks method number 0 with a "
                                         "distinct title 0\n")
    with FaultServer(max_requests=20, lifetime_s=120.0) as server:
        gens = [{"name": "ext", "kind": "extractive"}, {"name": "rep", "kind": "replay", "replay": str(replay)},
                {"name": "llm", "kind": "llm", "model": "openai/fault-chat", "api_base": server.api_base,
                 "price": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}, "params": {"max_tokens": 300}}]
        cfg = ExperimentConfig.from_dict({"name": "damaged", "tasks": ["all"], "tasks_dir": str(tasks),
                                          "output_dir": str(root / "results"), "cache_dir": str(root / "cache"),
                                          "seeds": [0], "generators": gens, "retries": {"max_attempts": 1}})
        summary = run_experiment(cfg, progress=False)
    assert summary.cells_failed == 1 and summary.cells_done == summary.cells_total == 6, summary
    run = Path(summary.run_dir)
    for name in FILES:
        assert (run / name).is_file(), name
    return run


def _invoke(args: list[str]):
    from harness.cli import app

    return CliRunner().invoke(app, args)


def _table(run: Path) -> list[tuple]:
    from harness.runner.store import read_scores_checked

    df = read_scores_checked(run).table
    return sorted(df.select("cell", "score", "status", "value").iter_rows())


def _result(command: str, run: Path, out: Path, intact: Path, output: str) -> object:
    """What a command produced, in a form comparable between the intact and the damaged copy."""
    if command == "report":
        return (out / "report.md").read_text()
    if command == "compare":
        return output.replace(str(run), "RUN").replace(str(intact), "INTACT")
    return _table(run)


def _args(command: str, run: Path, out: Path, intact: Path) -> list[str]:
    return {
        "report": ["report", str(run), "--format", "md", "--out", str(out)],
        "rescore": ["rescore", str(run)],
        "compare": ["compare", str(intact), str(run), "--metric", "coverage.recall", "--max-drop", "0.1"],
        "resume": ["run", "--resume", str(run), "--max-failures", "1"],  # the fixture's one failing replay cell
    }[command]


COMMANDS = ["report", "rescore", "compare", "resume"]


@pytest.fixture(scope="module")
def expected(intact: Path, tmp_path_factory) -> dict[str, object]:
    """Each command's result on an intact copy (the damaged copies live at the same path)."""
    out = {}
    for command in COMMANDS:
        work = tmp_path_factory.mktemp(f"intact-{command}")
        run = work / intact.name
        shutil.copytree(intact, run)
        res = _invoke(_args(command, run, work / "report", intact))
        assert res.exit_code == 0, res.output
        out[command] = _result(command, run, work / "report", intact, res.output)
    return out


@pytest.mark.timeout(240)
@pytest.mark.parametrize("name", FILES)
def test_each_damaged_file_is_named_or_harmless(name: str, intact: Path, expected: dict, tmp_path: Path) -> None:
    outcomes = []
    for damage, fn in DAMAGES.items():
        for command in COMMANDS:
            work = tmp_path / f"{damage}-{command}"
            run = work / intact.name
            shutil.copytree(intact, run)
            fn(run / name)
            res = _invoke(_args(command, run, work / "report", intact))
            case = f"{name} {damage} -> {command}"
            exc = res.exception
            if exc is not None and not isinstance(exc, SystemExit):
                # main() prints a HarnessError as one line and exits 2; anything else is a traceback
                assert isinstance(exc, HarnessError), f"{case}: {type(exc).__name__}: {exc}"
                text = str(exc)
                assert "\n" not in text.strip() and name in text, f"{case}: not one line naming {name}: {text!r}"
                outcomes.append((damage, command, "error: " + text))
                continue
            if res.exit_code == 2:
                errors = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
                assert len(errors) == 1 and name in errors[0], f"{case}: {res.output[-800:]}"
                outcomes.append((damage, command, errors[0]))
                continue
            warned = [ln for ln in res.output.splitlines() if ln.startswith("warning:") and name in ln]
            if command == "compare" and res.exit_code == 1:  # the gate fails on the cells the damage lost
                assert warned and "FAILED" in res.output, f"{case}: a failed gate that does not name {name}"
                outcomes.append((damage, command, "gate failed: " + " / ".join(warned)))
                continue
            assert res.exit_code == 0, f"{case}: exit {res.exit_code}\n{res.output[-1500:]}"
            if warned:
                outcomes.append((damage, command, " / ".join(warned)))
                continue
            got = _result(command, run, work / "report", intact, res.output)
            assert got == expected[command], f"{case}: completed silently with a different result\n" \
                                             f"{res.output[-1500:]}"
            outcomes.append((damage, command, "unharmed"))
    print("\n".join(f"{name} {d} -> {c}: {o}" for d, c, o in outcomes))


def test_garbage_parquet_falls_back_to_the_jsonl_and_says_so(intact: Path, tmp_path: Path) -> None:
    from harness.report.load import load_run

    run = tmp_path / intact.name
    shutil.copytree(intact, run)
    (run / "scores.parquet").write_bytes(GARBAGE)
    data = load_run(run)
    assert _table(run) == _table(intact) and not data.missing_cells
    assert any("scores.parquet is unreadable" in w and "rebuilt" in w for w in data.warnings), data.warnings


def test_truncated_scores_log_counts_lines_and_marks_cells_missing(intact: Path, tmp_path: Path) -> None:
    from harness.report.load import load_run

    run = tmp_path / intact.name
    shutil.copytree(intact, run)
    log = run / "scores.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # the last cell's line cut short
    lost = json.loads(lines[-1])["cell"]
    data = load_run(run)
    assert sorted(data.scores["cell"].unique().to_list()) == sorted(json.loads(ln)["cell"] for ln in lines[:-1])
    assert data.missing_cells == [lost]
    text = " ".join(data.warnings)
    assert f"1 unreadable line ({len(lines)} torn)" in text, data.warnings
    assert f"scores.jsonl and are missing from the tables: {lost}" in text, data.warnings


def test_rescore_of_a_manifest_without_config_is_one_line(intact: Path, tmp_path: Path) -> None:
    run = tmp_path / intact.name
    shutil.copytree(intact, run)
    (run / "manifest.json").write_text("{}")
    res = _invoke(["rescore", str(run)])
    assert isinstance(res.exception, HarnessError), res.output
    assert "manifest.json" in str(res.exception) and "'config'" in str(res.exception)
    assert _table(run) == _table(intact)  # nothing rewritten


def test_rescore_never_drops_the_scores_of_an_unreadable_generation(intact: Path, tmp_path: Path) -> None:
    run = tmp_path / intact.name
    shutil.copytree(intact, run)
    _truncate(run / "generations.jsonl")
    res = _invoke(["rescore", str(run)])
    assert isinstance(res.exception, HarnessError) and "would drop the scores" in str(res.exception)
    assert pl.read_parquet(run / "scores.parquet").equals(pl.read_parquet(intact / "scores.parquet"))
