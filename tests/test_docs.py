"""docs/ against the code: the generated reference parts match the declarations they are built from, every
registered score, reader and config field is listed, the trust table matches the shipped judge cards, and every
relative link of the README and docs/ resolves (issue 29)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

import harness.scorers  # noqa: F401  (registers the built-in families)
from harness.config import ExperimentConfig
from harness.models import Score
from harness.readers import FORMATS
from harness.scorers import family

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
README_MAX_LINES = 250  # issue 29's goal


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"{name}_script", REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_docs = _load("build_docs")


def _section(rel: str, name: str) -> str:
    text = (REPO / rel).read_text(encoding="utf-8")
    return text.split(f"<!-- generated:{name}:start -->", 1)[1].split(f"<!-- generated:{name}:end -->", 1)[0]


def test_generated_parts_match_the_code_in_a_fresh_process():
    """`python scripts/build_docs.py --check` as CI and a user run it: only built-in declarations, exit 0."""
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "build_docs.py"), "--check"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_fails_and_build_repairs_when_a_generated_part_drifts(tmp_path):
    shutil.copytree(DOCS, tmp_path / "docs")
    cfg = tmp_path / "docs" / "config.md"
    text = cfg.read_text(encoding="utf-8")
    row = "| `execution.timeout_s` | `float` | `300.0` |"
    assert row in text
    cfg.write_text(text.replace(row, row.replace("300.0", "30")), encoding="utf-8")
    assert build_docs.build(tmp_path, check=True) == ["docs/config.md"]
    assert build_docs.build(tmp_path) == ["docs/config.md"]
    assert cfg.read_text(encoding="utf-8") == text and build_docs.build(tmp_path, check=True) == []


def test_every_registered_score_is_listed_with_its_direction_and_explanation():
    section = _section("docs/metrics.md", "metrics")
    fams = family.families()
    assert {"coverage", "citations", "length", "plan", "cost", "overlap", "judge", "structure",
            "degeneracy"} <= set(fams)
    for fam in fams.values():
        assert f"### `{fam.name}`" in section
        for name, way in {**fam.scores, **fam.patterns}.items():
            about = fam.about.get(name)
            assert about, f"{name}: its family declares no one-line explanation (about=)"
            judge = f"[{fam.judge(name)}]({build_docs.TRUST})" if fam.judge(name) else ""
            row = f"| `{name}` | {build_docs.ARROW[way]} | {judge} | {build_docs.cell(about)} |"
            assert row in section


def test_a_newly_registered_family_appears_in_the_metrics_part(monkeypatch):
    """The part is read from the registry, not written by hand: a family registered now is in it."""
    monkeypatch.setattr(family.REGISTRY, "_entries", family.REGISTRY.snapshot())  # as it was comes back afterwards

    @family.scorer_family("zz_docs_probe", scores={"zz_docs_probe.share": "lower"},
                          about={"zz_docs_probe.share": "a probe's share"}, judges={"zz_docs_probe.share": "support"})
    def probe(resolved, task, ctx):
        """Probe family of the docs test."""
        return [Score.ok("zz_docs_probe.share", 0.0, "probe")]

    out = build_docs.metrics_section()
    assert "### `zz_docs_probe`\n\nProbe family of the docs test." in out
    assert f"| `zz_docs_probe.share` | ↓ lower | [support]({build_docs.TRUST}) | a probe's share |" in out


def test_every_reader_is_listed():
    section = _section("docs/readers.md", "readers")
    assert len(FORMATS) >= 8
    for name, reader in FORMATS.items():
        assert f"| `{name}` | {build_docs.cell(reader.description)} |" in section


def _field_paths(model: type[BaseModel], prefix: str = "") -> list[tuple[str, object]]:
    """Every (YAML path, FieldInfo) of a config model, nested models included (an independent walk)."""
    out = []
    for name, f in model.model_fields.items():
        key = prefix + (f.alias or name)
        out.append((key, f))
        sub = build_docs.nested_model(f.annotation)
        if sub is not None:
            out += _field_paths(sub, key + ("[]." if "list[" in str(f.annotation) else "."))
    return out


def test_every_config_field_is_listed_with_its_description():
    section = _section("docs/config.md", "config")
    paths = _field_paths(ExperimentConfig)
    keys = [k for k, _ in paths]
    assert {"tasks", "generators[].model", "generators[].pool.k", "scorers.support.method", "execution.workers",
            "execution.concurrency.global"} <= set(keys)
    for key, f in paths:
        assert f.description, f"config field {key} declares no description"
        row = next((line for line in section.splitlines() if line.startswith(f"| `{key}` |")), None)
        assert row is not None, f"config field {key} is not in docs/config.md"
        assert row.endswith(f"| {build_docs.cell(f.description)} |")
    assert len(keys) == len([line for line in section.splitlines() if line.startswith("| `")])


def test_config_defaults_are_the_models_own():
    """A default in the table is what the model gives when the field is left out (checked on a real config)."""
    section = _section("docs/config.md", "config")
    cfg = ExperimentConfig.model_validate({"generators": [{"name": "x", "kind": "extractive"}]})
    for key, value in (("execution.timeout_s", cfg.execution.timeout_s), ("execution.workers", cfg.execution.workers),
                       ("generators[].pool.k", cfg.generators[0].pool.k), ("seeds", cfg.seeds),
                       ("execution.concurrency.global", cfg.execution.concurrency.global_)):
        row = next(line for line in section.splitlines() if line.startswith(f"| `{key}` |"))
        assert row.split(" | ")[2] == f"`{value!r}`", row


def test_trust_table_rows_are_the_shipped_cards():
    """docs/judges.md's trust table holds one row per shipped judge card, as scripts/trust_table.py renders it."""
    trust_table = _load("trust_table")
    text = trust_table.TABLE_DOC.read_text(encoding="utf-8")
    table = text.split(trust_table.START, 1)[1].split(trust_table.END, 1)[0]
    cards = sorted(trust_table.SHIPPED_DIR.glob("*.json"))
    assert cards
    for path in cards:
        card = trust_table.JudgeCard.model_validate(json.loads(path.read_text(encoding="utf-8")))
        assert trust_table.row(card) in table, f"{path.name}: its row is not in {trust_table.TABLE_DOC}"


def test_readme_is_short_and_keeps_its_two_commands_and_gaming():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= README_MAX_LINES
    first_block = text.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert first_block == ["bash scripts/install.sh && .venv/bin/harness run && .venv/bin/harness report latest",
                           ".venv/bin/python -m pytest"]
    assert ".venv/bin/python -m pytest -q" in (REPO / ".ci" / "run").read_text(encoding="utf-8")  # CI runs it
    assert "\n## Gaming\n" in text and "docs/judges.md#how-far-to-trust-each-metric" in text


def _slug(heading: str) -> str:
    """GitHub's anchor of a markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", ["README.md", *sorted(p.relative_to(REPO).as_posix() for p in DOCS.glob("*.md"))])
def test_relative_links_resolve(page):
    src = REPO / page
    text = re.sub(r"```.*?```|`[^`\n]*`", "", src.read_text(encoding="utf-8"), flags=re.S)  # code is not a link
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        dest = (src.parent / path).resolve() if path else src
        assert dest.exists(), f"{page}: link {target} names no file"
        if anchor and dest.suffix == ".md":
            heads = re.findall(r"^#+ (.+)$", dest.read_text(encoding="utf-8"), re.M)
            assert anchor in {_slug(h) for h in heads}, f"{page}: link {target} names no heading of {dest.name}"


PAGES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]


def _code_spans() -> set[str]:
    return {span for page in PAGES for span in re.findall(r"`([^`\n]+)`", page.read_text(encoding="utf-8"))}


def test_named_repository_paths_exist():
    """A path the docs name in the repository (harness/, scripts/, tests/, examples/, tasks/, docs/) is there."""
    named = {s.split()[0].rstrip(":,") for s in _code_spans()
             if re.match(r"^(harness|scripts|tests|examples|tasks|docs)/[\w./-]*$", s.split()[0].rstrip(":,"))}
    assert len(named) > 20
    missing = sorted(p for p in named if "*" not in p and not (REPO / p).exists())
    assert not missing, f"docs name paths that do not exist: {missing}"


def test_named_python_objects_exist():
    """A dotted `harness.x.y` name in the docs imports (a module, or an attribute of one)."""
    names = {m for s in _code_spans() for m in re.findall(r"^(harness(?:\.\w+)+)", s)}
    assert len(names) > 5
    for name in sorted(names):
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            for attr in parts[i:]:
                assert hasattr(obj, attr), f"docs name {name}: {'.'.join(parts[:i])} has no {attr}"
                obj = getattr(obj, attr)
            break
        else:
            pytest.fail(f"docs name {name}, which does not import")
