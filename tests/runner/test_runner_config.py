"""ExperimentConfig: the embedded default, selectors, clear errors naming file/field/line, secret redaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pydantic import Field

from harness.config import REDACTED, Execution, ExperimentConfig, cell_id, load_config, parse_cell, redact, redact_text
from harness.core.errors import HarnessError
from harness.tasks.suite import load_suite

SUITE_IDS = list(load_suite())  # the shipped suite's ids, which the default config's task selectors expand against

GOOD = """\
name: t
tasks: [rag-llm-survey]
generators:
  - name: ex
    kind: extractive
seeds: [0, 1]
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "cfg.yaml"
    p.write_text(text)
    return p


def test_default_config_is_the_documented_experiment():
    cfg = load_config(None)
    kinds = [(g.kind, g.model, g.strategy) for g in cfg.generators]
    assert ("llm", "local/gemma-3-270m", "zero_shot") in kinds
    assert ("llm", "local/gemma-3-270m", "plan_then_write") in kinds
    assert {"extractive", "recent_papers"} <= {g.kind for g in cfg.generators}
    assert len(cfg.tasks) == 12 and cfg.seeds == [0]  # the documented subset; `--tasks all` runs the full suite
    res = cfg.resolved(SUITE_IDS)
    assert res.tasks == cfg.tasks and "rag-llm-survey" in res.tasks
    assert res.scorers.families and "coverage" in res.scorers.families
    assert Path(res.cache_dir).is_absolute()


def test_task_selectors_expand_in_suite_order_without_repeats(tmp_path):
    cfg = ExperimentConfig.from_text(GOOD.replace("[rag-llm-survey]", "['llm-*', llm-evaluation-survey]"))
    ids = cfg.task_ids(SUITE_IDS)
    assert ids and all(t.startswith("llm-") for t in ids)
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert cfg.cells(ids)[:2] == [(ids[0], "ex", 0), (ids[0], "ex", 1)]
    assert parse_cell(cell_id("a|b", "g", 3)) == ("a|b", "g", 3)


@pytest.mark.parametrize("snippet, old, field, line", [
    ("kind: extractive", "kind: extractiv", "generators.0.kind", 5),
    ("seeds: [0, 1]", "seeds: [0, 1]\nconcurrency: {global: -2}", "concurrency.global", 7),
    ("seeds: [0, 1]", "seeds: [0, 1]\nscorers: {families: [coverage, vibes]}", "scorers.families[1]", 7),
    ("tasks: [rag-llm-survey]", "tasks: [rag-llm-survey, no-such-task]", "tasks[1]", 2),
    ("seeds: [0, 1]", "seeds: [0, 1]\nconcurrency: {per_model: {m: 0}}", "concurrency.per_model", 7),
    ("seeds: [0, 1]", "seeds: [0, 1]\ntimeout_s: 0", "timeout_s", 7),
    ("seeds: [0, 1]", "seeds: [0, 1]\nbudget: 3", "budget", 7),
])
def test_config_errors_name_file_field_and_line(tmp_path, snippet, old, field, line):
    path = _write(tmp_path, GOOD.replace(snippet, old))
    with pytest.raises(HarnessError) as info:
        ExperimentConfig.from_yaml(path).resolved(SUITE_IDS)
    err = info.value
    assert err.path == str(path)
    assert err.field is not None and err.field.startswith(field.split(".")[0])
    assert err.field == field or field in err.field
    assert err.line == line
    assert str(path) in str(err)


def test_structural_errors(tmp_path):
    for text, needle in [("name: [unclosed", "invalid YAML"), ("- a\n- b\n", "mapping"),
                         (GOOD.replace("seeds:", "  - name: ex\n    kind: recent_papers\nseeds:"), "used twice"),
                         (GOOD.replace("kind: extractive", "kind: llm"), "kind 'llm' needs a value for model"),
                         (GOOD.replace("kind: extractive", "kind: replay"), "kind 'replay' needs a value for replay")]:
        with pytest.raises(HarnessError, match=needle):
            ExperimentConfig.from_yaml(_write(tmp_path, text))
    with pytest.raises(HarnessError, match="not found"):
        ExperimentConfig.from_yaml(tmp_path / "missing.yaml")


def test_config_hash_ignores_where_and_how_fast(tmp_path):
    a = ExperimentConfig.from_text(GOOD)
    b = ExperimentConfig.from_text(GOOD + "output_dir: elsewhere\nconcurrency: {global: 3}\ntimeout_s: 5\n")
    c = ExperimentConfig.from_text(GOOD.replace("[0, 1]", "[0, 2]"))
    assert a.config_hash() == b.config_hash() != c.config_hash()


# Hashes computed with the code before `execution:` existed (commit 87c2865, `ExperimentConfig.default()` and
# `ExperimentConfig.from_text(GOOD)` there): run directories made then record these, and must still resume.
OLD_DEFAULT_HASH = "f01efd7b829b53022eabddba399c13c59e96a779fc86cefb4b828d3db5630120"
OLD_DEFAULT_RESOLVED_HASH = "d033764a4d4a5132d0d8b1a7405cb74a3e95d00b2593ecc109b55a40db6f8931"
OLD_GOOD_HASH = "114c77ca240f14bd65641c59916e89e8c52971faacced031222358229db2a53b"

OLD_STYLE = GOOD + """\
concurrency: {global: 3, per_model: {m: 2}}
retries: {max_attempts: 2}
timeout_s: 12
budget_usd: 1.5
output_dir: out
cache_dir: /tmp/cc
cache: false
"""


def test_config_hash_of_existing_configs_is_unchanged():
    # the embedded default as it was before the negative controls joined it (issue 26 changed what it runs, so its
    # own hash changed by design); a user's copy of it must keep its hash
    old_default = (Path(__file__).parent / "data" / "default-config-before-controls.yaml").read_text()
    assert ExperimentConfig.from_text(old_default).config_hash() == OLD_DEFAULT_HASH
    # resolved = families listed: those registered then (a run directory stores them, so adding a family such as
    # degeneracy never changes a stored run's hash)
    then = "[coverage, citations, length, plan, cost, overlap, judge, structure]"
    resolved_then = ExperimentConfig.from_text(old_default.replace("families: null", f"families: {then}", 1))
    assert resolved_then.resolved(SUITE_IDS).config_hash() == OLD_DEFAULT_RESOLVED_HASH
    assert ExperimentConfig.from_text(GOOD).config_hash() == OLD_GOOD_HASH
    assert ExperimentConfig.from_text(OLD_STYLE).config_hash() == OLD_GOOD_HASH


def test_old_top_level_keys_are_read_into_execution():
    old = ExperimentConfig.from_text(OLD_STYLE)
    ex = old.execution
    assert (ex.concurrency.global_, ex.concurrency.per_model, ex.retries.max_attempts) == (3, {"m": 2}, 2)
    assert (ex.timeout_s, ex.budget_usd, ex.output_dir, ex.cache_dir, ex.cache) == (12, 1.5, "out", "/tmp/cc", False)
    assert (ex.executor, ex.address, ex.workers) == ("local", None, "auto")
    # the old attribute names still read (code written before `execution`)
    assert (old.timeout_s, old.budget_usd, old.output_dir, old.cache_dir, old.cache) == (12, 1.5, "out", "/tmp/cc",
                                                                                         False)
    assert old.concurrency is ex.concurrency and old.retries is ex.retries
    with pytest.raises(AttributeError):
        old.timeout_s = 3  # read-only: new code writes config.execution
    nested = "execution:\n" + "".join("  " + line + "\n" for line in OLD_STYLE[len(GOOD):].splitlines())
    assert ExperimentConfig.from_text(GOOD + nested).execution == ex
    dumped = old.model_dump(mode="json", by_alias=True)
    assert "timeout_s" not in dumped and dumped["execution"]["timeout_s"] == 12
    assert ExperimentConfig.from_dict(dumped).execution == ex


def test_every_execution_setting_leaves_the_hash_alone():
    base = ExperimentConfig.from_text(GOOD)
    changed = ExperimentConfig.from_text(GOOD + """\
execution:
  concurrency: {global: 2, per_model: {x: 1}}
  retries: {max_attempts: 9, base_delay_s: 0, max_delay_s: 1}
  timeout_s: 1
  budget_usd: 0
  allow_unpriced: true
  cache: false
  cache_dir: /elsewhere
  output_dir: other
  executor: ray
  address: ray://10.0.0.1:10001
  workers: 3
""")
    defaults = Execution()
    differs = [f for f in Execution.model_fields if getattr(changed.execution, f) != getattr(defaults, f)]
    assert differs == list(Execution.model_fields)  # the case above really changes every execution field
    assert changed.config_hash() == base.config_hash() == OLD_GOOD_HASH


def test_a_new_execution_knob_cannot_change_the_hash():
    """A field added to Execution later (here by extending the model) is left out with no list to update."""

    class Grown(Execution):
        new_knob: int = 7

    class GrownConfig(ExperimentConfig):
        execution: Grown = Field(default_factory=Grown)

    a = GrownConfig.from_text(GOOD)
    b = GrownConfig.from_text(GOOD + "execution: {new_knob: 99, timeout_s: 3}\n")
    assert b.execution.new_knob == 99
    assert a.config_hash() == b.config_hash() == OLD_GOOD_HASH
    assert GrownConfig.from_text(GOOD.replace("[0, 1]", "[0, 2]")).config_hash() != OLD_GOOD_HASH  # still hashes


@pytest.mark.parametrize("extra, field, line, needle", [
    ("timeout_s: 3\nexecution:\n  timeout_s: 4\n", "timeout_s", 7, "timeout_s and execution.timeout_s"),
    ("execution:\n  cache: false\noutput_dir: x\ncache: true\n", "cache", 10, "cache and execution.cache"),
    ("execution:\n  timeout_s: 0\n", "execution.timeout_s", 8, "greater than 0"),
    ("execution:\n  executor: dask\n", "execution.executor", 8, "'local' or 'ray'"),
    ("execution:\n  address: auto\n", "execution.address", 8, "only used with executor: ray"),
    ("execution:\n  executor: ray\n  address: somewhere\n", "execution.address", 9, "ray://host:port"),
    ("execution:\n  workers: 0\n", "execution.workers", 8, ">= 1 or 'auto'"),
    ("execution:\n  workers: many\n", "execution.workers", 8, ">= 1 or 'auto'"),
    ("execution:\n  speed: 3\n", "execution.speed", 8, "unknown field"),
])
def test_execution_errors_name_file_field_and_line(tmp_path, extra, field, line, needle):
    path = _write(tmp_path, GOOD + extra)
    with pytest.raises(HarnessError) as info:
        ExperimentConfig.from_yaml(path)
    err = info.value
    assert (err.path, err.field, err.line) == (str(path), field, line), str(err)
    assert needle in err.message


def test_ray_execution_and_workers_are_accepted():
    cfg = ExperimentConfig.from_text(GOOD + "execution: {executor: ray, address: auto}\n")
    assert (cfg.execution.executor, cfg.execution.address) == ("ray", "auto")
    for address in ("ray://head.example:10001", "127.0.0.1:6379"):
        assert ExperimentConfig.from_dict({**yaml.safe_load(GOOD), "execution": {"executor": "ray",
                                           "address": address}}).execution.address == address
    assert ExperimentConfig.from_text(GOOD + "execution: {workers: 2}\n").execution.workers == 2


def test_an_old_run_directory_config_still_loads(tmp_path):
    """A manifest written before `execution:` holds the execution keys at the top level: it loads as it was."""
    from harness.runner.store import read_run_config

    old = {**yaml.safe_load(GOOD), "tasks": ["rag-llm-survey"], "concurrency": {"global": 2}, "retries":
           {"max_attempts": 1, "base_delay_s": 1.0, "max_delay_s": 30.0}, "timeout_s": 9.0, "budget_usd": None,
           "output_dir": str(tmp_path), "cache_dir": str(tmp_path / "c"), "cache": True,
           "scorers": {"families": ["coverage"], "judge_model": None, "verify_online": False, "support": None}}
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(json.dumps({"config_hash": "x", "config": old}))
    cfg = ExperimentConfig.from_dict(read_run_config(run), source=str(run / "manifest.json"))
    assert (cfg.execution.timeout_s, cfg.execution.output_dir, cfg.execution.concurrency.global_) == \
        (9.0, str(tmp_path), 2)


def test_redaction_of_names_values_and_environment(monkeypatch):
    monkeypatch.setenv("ACME_API_KEY", "acme-live-0123456789abcdef")
    monkeypatch.setenv("SOME_TOKEN", "tok-zyxwvu98765")
    data = {"generators": [{"params": {"api_key": "hunter2", "max_tokens": 100, "extra": {"auth_token": "x1"}}}],
            "note": "key sk-abcdefghijklmnopqrstuvwx and acme-live-0123456789abcdef and tok-zyxwvu98765",
            "client_secret": "s", "keys": ["a"], "authors": ["A. Author"]}
    out = redact(data)
    params = out["generators"][0]["params"]
    assert params["api_key"] == REDACTED and params["extra"]["auth_token"] == REDACTED
    assert params["max_tokens"] == 100 and out["keys"] == ["a"] and out["authors"] == ["A. Author"]
    assert out["client_secret"] == REDACTED
    for secret in ("sk-abcdefghijklmnopqrstuvwx", "acme-live-0123456789abcdef", "tok-zyxwvu98765"):
        assert secret not in out["note"]
    assert redact_text("plain text [1] stays") == "plain text [1] stays"


def test_secret_values_of_a_config_are_registered_and_redacted_everywhere():
    from harness.config import register_secrets, secret_values

    key = "cfgKEYwithNoKnownShape0123456789"
    cfg = ExperimentConfig.from_dict({"generators": [
        {"name": "g", "kind": "llm", "model": "openai/x", "params": {"extra": {"api_key": key}, "max_tokens": 99}}]})
    assert cfg.secrets() == [key]  # max_tokens is not a secret name
    assert secret_values({"auth": {"user": "someone-long", "password": "hunter22"}, "token": "x"}) == \
        ["someone-long", "hunter22"]  # everything under a secret-named field; too-short values ignored
    echoed = f'provider said: "Incorrect API key provided: {key}"'
    assert key in redact_text(echoed)  # not key-shaped: unknown until registered
    register_secrets(cfg.secrets())
    assert key not in redact_text(echoed) and REDACTED in redact_text(echoed)
    odd = 'ke"y\\with-quote-0123'
    register_secrets([odd])
    import json

    assert odd not in redact_text(json.dumps({"e": odd})) and json.dumps(odd)[1:-1] not in redact_text(
        json.dumps({"e": odd}))


def test_cli_output_dir_overrides_execution_output_dir(tmp_path, monkeypatch):
    """`harness run --output-dir D` writes the run under D, whichever way the config wrote output_dir."""
    from typer.testing import CliRunner

    from harness.cli import app

    monkeypatch.chdir(tmp_path)
    for i, where in enumerate(("output_dir: ignored\n", "execution: {output_dir: ignored}\n")):
        cfg = tmp_path / f"c{i}.yaml"
        cfg.write_text(GOOD.replace("[0, 1]", "[0]").replace("kind: extractive", "kind: recent_papers")
                       + "scorers: {families: [length]}\n" + where + f"cache_dir: {tmp_path / 'cache'}\n")
        res = CliRunner().invoke(app, ["run", str(cfg), "--output-dir", str(tmp_path / f"out{i}")])
        assert res.exit_code == 0, res.output
        assert len(list((tmp_path / f"out{i}").iterdir())) == 1 and not (tmp_path / "ignored").exists()
