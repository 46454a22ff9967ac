"""The example plug-in (examples/my_plugins) in a real run: its generator kind writes cells, its strategy's prompt
is what the model is sent, its scorer family's scores are stored, and reading the run back loads it again."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from harness.config import ExperimentConfig
from harness.plugins import config_from_dict, load_config
from harness.runner import run_experiment
from harness.runner.store import read_generations, read_manifest, read_run_config, read_scores
from harness.scorers import family
from harness.tasks.suite import get_task
from harness.core.text import split_sentences

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TASK = "rag-llm-survey"


def _config(api_base: str, tmp: Path, plugins: list[str], families: list[str]) -> ExperimentConfig:
    return config_from_dict(_config_dict(api_base, tmp, plugins, families))


def _config_dict(api_base: str, tmp: Path, plugins: list[str], families: list[str]) -> dict:
    return {
        "name": "plugin-run",
        "plugins": plugins,
        "tasks": [TASK],
        "generators": [
            {"name": "lead", "kind": "lead_sentences", "k": 6, "pool": {"method": "recent", "k": 8}},
            {"name": "brief", "kind": "llm", "model": "openai/fake-brief", "api_base": api_base, "mode": "chat",
             "strategy": "brief", "pool": {"method": "recent", "k": 8}, "params": {"max_tokens": 300}},
        ],
        "scorers": {"families": families},
        "execution": {"output_dir": str(tmp / "results"), "cache_dir": str(tmp / "cache"), "timeout_s": 10,
                      "retries": {"max_attempts": 2, "base_delay_s": 0.01, "max_delay_s": 0.05}},
    }


def test_example_generator_kind_and_strategy_run(server, tmp_path, examples_on_path):
    cfg = _config(server.api_base, tmp_path, ["my_plugins.generators"], ["length", "structure"])
    summary = run_experiment(cfg, progress=False)
    assert summary.status == "complete" and summary.cells_done == 2
    run = Path(summary.run_dir)
    gens = {c.key: g for c, g in read_generations(run).items()}
    assert set(gens) == {f"{TASK}|lead|0", f"{TASK}|brief|0"}

    lead = gens[f"{TASK}|lead|0"]
    assert lead.error is None and not lead.calls  # offline: the kind declared calls_provider=False
    task = get_task(TASK)
    from harness.generators.base import PoolSelection
    from harness.generators.pool_select import derive_seed, select_pool

    shown = select_pool(task, PoolSelection(method="recent", k=8), derive_seed(TASK, "lead", 0))[:6]
    first = (split_sentences(shown[0].abstract or "") or [shown[0].title])[0].rstrip(".")
    assert f"{first} [1]." in lead.review.text and len(lead.review.references) == 6

    brief = gens[f"{TASK}|brief|0"]
    assert brief.error is None and len(brief.calls) == 1 and brief.review is not None
    lo, hi = task.target_words.min, task.target_words.max
    (prompt,) = brief.prompts.values()
    assert f"Length: {lo // 2} to {hi // 2} words" in prompt  # the plug-in strategy's prompt, not zero_shot's

    scores = read_scores(run)
    assert set(scores["generator"]) == {"lead", "brief"} and "length.words" in set(scores["score"])
    assert read_manifest(run)["config"]["plugins"] == ["my_plugins.generators"]
    again = ExperimentConfig.from_dict(read_run_config(run))  # what rescore / --resume read
    assert again.config_hash() == cfg.config_hash() and again.generators[0].kind == "lead_sentences"


def test_example_scorer_family_scores_are_stored(server, tmp_path, examples_on_path):
    cfg = _config(server.api_base, tmp_path, ["my_plugins.generators", "my_plugins.scorers"], ["hedging"])
    summary = run_experiment(cfg, progress=False)
    assert summary.status == "complete"
    scores = read_scores(Path(summary.run_dir))
    assert set(scores["score"]) == {"hedging.rate", "hedging.sentences"}
    lead = scores.filter(scores["generator"] == "lead")
    by_name = {r["score"]: r for r in lead.iter_rows(named=True)}
    assert by_name["hedging.sentences"]["value"] == 6  # lead_sentences writes one sentence per shown paper (k 6)
    rate = by_name["hedging.rate"]
    hedged = json.loads(rate["details"])["hedged"]
    assert rate["status"] == "ok" and rate["value"] == pytest.approx(hedged / 6) and 0 <= hedged <= 6
    assert family.families()["hedging"].scores == {"hedging.rate": "none", "hedging.sentences": "none"}

    # Reading the run back (report, compare) imports the plug-in again, so its scores' directions are known.
    family.REGISTRY.pop("hedging")
    for name in [m for m in sys.modules if m.startswith("my_plugins")]:
        del sys.modules[name]
    from harness.report.load import load_run
    from harness.report.metrics import direction

    assert load_run(summary.run_dir).scores.height == 4 and "hedging" in family.families()
    assert direction("hedging.rate") == "none"


def test_the_example_config_finds_its_plugins_beside_it(plugin_registries):
    """examples/plugin_experiment.yaml as a user runs it: no PYTHONPATH, the plug-ins sit beside the config."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != EXAMPLES]
    cfg = load_config(EXAMPLES / "plugin_experiment.yaml")
    assert [g.kind for g in cfg.generators] == ["lead_sentences", "llm"] and cfg.generators[1].strategy == "brief"
    assert cfg.scorers.families == ["length", "structure", "hedging"]


def test_the_readme_recipe_adds_a_scorer_with_one_file_and_one_config_line(server, tmp_path, plugin_registries):
    """docs/plugins.md "Adding a scorer or a generator": its file, saved beside a config with its one line, runs."""
    import re

    readme = (EXAMPLES.parent / "docs" / "plugins.md").read_text()
    section = readme.split("# Adding a scorer or a generator", 1)[1]
    code, line = re.findall(r"```python\n(.*?)```", section, re.S)[0], re.findall(r"```yaml\n(.*?)```", section,
                                                                                   re.S)[0]
    (tmp_path / "my_scorers.py").write_text(code)
    data = _config_dict(server.api_base, tmp_path, [], ["questions"])
    data["generators"] = data["generators"][1:]  # the llm generator only
    data["generators"][0]["strategy"] = "zero_shot"
    del data["plugins"]
    import yaml

    (tmp_path / "cfg.yaml").write_text(line + yaml.safe_dump(data))
    summary = run_experiment(load_config(tmp_path / "cfg.yaml"), progress=False)
    scores = read_scores(Path(summary.run_dir))
    assert scores["score"].to_list() == ["questions.share"] and scores["status"].to_list() == ["ok"]
    assert 0 <= scores["value"][0] <= 1
