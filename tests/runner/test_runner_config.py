"""ExperimentConfig: the embedded default, selectors, clear errors naming file/field/line, secret redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import REDACTED, ExperimentConfig, cell_id, load_config, parse_cell, redact, redact_text
from harness.errors import HarnessError

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
    res = cfg.resolved()
    assert res.tasks == cfg.tasks and "rag-llm-survey" in res.tasks
    assert res.scorers.families and "coverage" in res.scorers.families
    assert Path(res.cache_dir).is_absolute()


def test_task_selectors_expand_in_suite_order_without_repeats(tmp_path):
    cfg = ExperimentConfig.from_text(GOOD.replace("[rag-llm-survey]", "['llm-*', llm-evaluation-survey]"))
    ids = cfg.task_ids()
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
        ExperimentConfig.from_yaml(path).resolved()
    err = info.value
    assert err.path == str(path)
    assert err.field is not None and err.field.startswith(field.split(".")[0])
    assert err.field == field or field in err.field
    assert err.line == line
    assert str(path) in str(err)


def test_structural_errors(tmp_path):
    for text, needle in [("name: [unclosed", "invalid YAML"), ("- a\n- b\n", "mapping"),
                         (GOOD.replace("seeds:", "  - name: ex\n    kind: recent_papers\nseeds:"), "used twice"),
                         (GOOD.replace("kind: extractive", "kind: llm"), "needs a model")]:
        with pytest.raises(HarnessError, match=needle):
            ExperimentConfig.from_yaml(_write(tmp_path, text))
    with pytest.raises(HarnessError, match="not found"):
        ExperimentConfig.from_yaml(tmp_path / "missing.yaml")


def test_config_hash_ignores_where_and_how_fast(tmp_path):
    a = ExperimentConfig.from_text(GOOD)
    b = ExperimentConfig.from_text(GOOD + "output_dir: elsewhere\nconcurrency: {global: 3}\ntimeout_s: 5\n")
    c = ExperimentConfig.from_text(GOOD.replace("[0, 1]", "[0, 2]"))
    assert a.config_hash() == b.config_hash() != c.config_hash()


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
