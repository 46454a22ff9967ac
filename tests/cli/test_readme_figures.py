"""README figures against the commands that produce them: a figure in the README that its command no longer
gives fails here (issue 28: the task-free seed figures had rotted)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.tasks.shipped import data_dir

REPO = Path(__file__).resolve().parents[2]
SEED = data_dir().parent / "seeds" / "000_dda1134d5bb5babb.txt"

# The README's sentence on `harness score <seed>` without --task.
SENTENCE = re.compile(r"truncated (\d+), plan references used ([\d.]+), coverage\s+not_applicable, on-topic (\d+) of "
                      r"(\d+) \(cut cosine ([\d.]+) = z ([\d.]+); AUROC ([\d.]+), leave-one-task-out TPR ([\d.]+) / "
                      r"FPR\s+([\d.]+) on (\d+) tasks", re.S)


def _readme_sentence() -> re.Match:
    m = SENTENCE.search(_readme())
    assert m, "the README's task-free seed sentence is gone or reworded: update SENTENCE with it"
    return m


@pytest.mark.timeout(900)
@pytest.mark.skipif(not SEED.exists(), reason=f"the shared seed is not at {SEED}")
def test_task_free_seed_figures_match_harness_score() -> None:
    m = _readme_sentence()
    env = {**os.environ, "HARNESS_DATA_DIR": str(data_dir())}
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "score", str(SEED), "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=850)
    assert proc.returncode == 0, proc.stderr[-2000:]
    s = json.loads(proc.stdout.strip().splitlines()[-1])["scores"]
    on = s["citations.on_topic_rate"]
    d = on["details"]
    g = d.get("generic", d)  # the generic calibration's figures (nested by the neighbours method)
    judged = sum(1 for v in d["verdicts"] if v["verdict"] in ("on-topic", "off-topic"))
    got = (f"{s['length.truncated']['value']:g}", f"{s['plan.references_used_rate']['value']:g}",
           str(round(on["value"] * judged)), str(judged), f"{g['threshold']:.3f}", f"{g['z_threshold']:.2f}",
           f"{g['auroc_off_topic']:.3f}", f"{g['loo_tpr']:.3f}", f"{g['loo_fpr']:.3f}", str(len(g["fit_tasks"])))
    assert s["coverage.recall"]["status"] == "not_applicable"
    assert got == m.groups(), f"README says {m.groups()}, `harness score` gives {got}"


def _readme() -> str:
    return " ".join((REPO / "README.md").read_text(encoding="utf-8").split())


def _seed_table() -> list[tuple[list[str], list[str]]]:
    """(score names, figures) of each row of the README's table under "The failure it catches"."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## The failure it catches", 1)[1].split("\n## ", 1)[0]
    assert f"harness score ../shared/seeds/{SEED.name} --task stfm-since-2024" in section
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows.append((re.findall(r"`([\w.]+)`", cells[0]), [v.strip() for v in cells[1].split(" / ")]))
    return rows


@pytest.mark.timeout(900)
@pytest.mark.skipif(not SEED.exists(), reason=f"the shared seed is not at {SEED}")
def test_seed_table_is_what_its_command_gives() -> None:
    """Each value of the README's seed table is `harness score SEED --task stfm-since-2024`'s ("19 of 20": the
    score's value, of the references the relevance judge judged), and so are the figures of its "why" column."""
    rows = _seed_table()
    assert len(rows) >= 6
    env = {**os.environ, "HARNESS_DATA_DIR": str(data_dir())}
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "score", str(SEED), "--task", "stfm-since-2024",
                           "--json"], cwd=REPO, env=env, capture_output=True, text=True, timeout=850)
    assert proc.returncode == 0, proc.stderr[-2000:]
    s = json.loads(proc.stdout.strip().splitlines()[-1])["scores"]
    for names, figures in rows:
        assert len(names) == len(figures), (names, figures)
        for name, figure in zip(names, figures):
            value, _, of = figure.replace(",", "").partition(" of ")
            assert s[name]["value"] == pytest.approx(float(value)), f"README says {name} = {figure}"
            if of:
                verdicts = s["citations.on_topic_rate"]["details"]["verdicts"]
                judged = [v for v in verdicts if v["verdict"] in ("on-topic", "off-topic")]
                assert len(judged) == int(of), f"README says {name} = {figure}"
    section = " ".join((REPO / "README.md").read_text(encoding="utf-8").split("## The failure it catches", 1)[1]
                       .split("\n## ", 1)[0].split())
    plan = s["plan.references_used_rate"]["details"]
    cap = int(re.search(r"output (\d+) tokens", s["length.at_token_cap"]["explanation"])[1])
    for why in (f"none of the {s['coverage.recall']['details']['reference_papers']} papers",
                f"CS test-half FPR {s['citations.on_topic_rate']['details']['fpr_cs_test_half']:.3f}",
                f"{cap:,} output tokens",
                f"the plan promised all {plan['promised']} references; {len(plan['used'])} are cited"):
        assert why in section, f"the README's seed table should say {why!r}"


NUMBER = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}


def test_default_experiment_described_as_its_config_says() -> None:
    """The README's "12 tasks × 10 generators × 1 seed ... two prompting strategies, two offline baselines and six
    negative controls" is what harness/configs/default.yaml holds."""
    from harness.config import DEFAULT_CONFIG, ExperimentConfig

    m = re.search(r"`harness/configs/default\.yaml`\) is (\d+) tasks × (\d+) generators × (\d+) seed: the local "
                  r"Gemma 3 270M with (\w+) prompting strategies, (\w+) offline baselines and (\w+) negative controls",
                  _readme())
    assert m, "the README's sentence on the default experiment is gone or reworded: update this test with it"
    cfg = ExperimentConfig.from_yaml(DEFAULT_CONFIG)
    kinds = [g.kind for g in cfg.generators]
    llm = [g for g in cfg.generators if g.kind == "llm" and g.model == "local/gemma-3-270m"]
    baselines = [k for k in kinds if k in ("extractive", "recent_papers")]
    controls = len(kinds) - len(llm) - len(baselines)
    assert (int(m[1]), int(m[2]), int(m[3])) == (len(cfg.tasks), len(kinds), len(cfg.seeds))
    assert (NUMBER[m[4]], NUMBER[m[5]], NUMBER[m[6]]) == (len({g.strategy for g in llm}), len(baselines), controls)
