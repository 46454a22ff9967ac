"""The lazy registry: string entries import on first use, a name held by other code is an error."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.core.errors import HarnessError
from harness.core.registry import Registry
from harness.scorers.judge_methods import RELEVANCE_METHODS, SUPPORT_METHODS

REPO = Path(__file__).resolve().parents[1]


def test_lazy_entry_imports_on_get():
    reg: Registry = Registry("thing")
    reg.add("join", "os.path:join")
    import os.path

    assert reg.get("join") is os.path.join


def test_unknown_name_lists_the_registered_ones():
    reg: Registry = Registry("thing", field="x.method")
    reg.add("a", "os.path:join")
    with pytest.raises(HarnessError, match="unknown thing 'b'") as e:
        reg.get("b")
    assert e.value.field == "x.method" and "a" in (e.value.hint or "")


def test_same_name_from_other_code_is_an_error():
    reg: Registry = Registry("thing")
    reg.add("a", "os.path:join")
    reg.add("a", "os.path:join")  # the same entry again is fine
    with pytest.raises(HarnessError, match="registered twice"):
        reg.add("a", "os.path:split")


def test_builtin_judge_methods_resolve():
    assert {"similarity", "nli", "llm"} <= set(SUPPORT_METHODS.names())
    assert SUPPORT_METHODS.get("similarity").name == "similarity"
    assert "not whether" in SUPPORT_METHODS.get("similarity").measures  # named for what it measures
    assert RELEVANCE_METHODS.get("title_similarity").name == "title_similarity"


def test_every_builtin_entry_resolves_to_the_declaration_of_its_name():
    from harness.core.registries import GENERATOR_KINDS, SCORER_FAMILIES, STRATEGIES
    from harness.generators.kinds import Kind
    from harness.scorers.family import Family

    for registry, kind in ((GENERATOR_KINDS, Kind), (SCORER_FAMILIES, Family)):
        for name, entry in registry.items():
            assert isinstance(entry, kind) and entry.name == name, (registry.what, name)
    assert all(fn.__name__ == name for name, fn in STRATEGIES.items())
    for registry in (SUPPORT_METHODS, RELEVANCE_METHODS):
        assert all(m.name == name for name, m in registry.items())


def test_a_resolved_entry_stays_resolved_after_a_restore():
    from harness.core.registries import GENERATOR_KINDS

    before = GENERATOR_KINDS.snapshot()
    kind = GENERATOR_KINDS.get("llm")
    GENERATOR_KINDS.restore(before)
    assert GENERATOR_KINDS.get("llm") is kind  # not the class the module attribute names


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=120)


def test_a_config_is_checked_by_name_without_importing_scorers_or_plugins():
    res = _python("""
        import sys
        from harness.config import ExperimentConfig
        cfg = ExperimentConfig.from_text(
            "generators: [{name: x, kind: extractive}]\\n"
            "scorers: {families: [coverage, judge], support: {method: nli}, relevance: {method: llm}}\\n")
        assert cfg.check_families() == ["coverage", "judge"]
        try:
            ExperimentConfig.from_text("generators: [{name: x, kind: extractive}]\\nscorers: {families: [covrage]}\\n")
        except Exception as exc:
            print(type(exc).__name__, exc)
        print(sorted(m for m in sys.modules if m.startswith(("harness.scorers", "harness.plugins", "harness.tasks"))))
    """)
    assert res.returncode == 0, res.stderr
    assert "HarnessError" in res.stdout and "unknown scorer family 'covrage'" in res.stdout
    assert res.stdout.strip().endswith("[]")  # no scorer, plug-in loader or task module was imported


def test_a_plugin_taking_a_builtin_name_is_refused_before_the_builtin_is_imported():
    res = _python("""
        import sys
        from harness.generators import generator_kind
        try:
            generator_kind("llm", calls_provider=False)(type("Thief", (), {}))
        except Exception as exc:
            print(type(exc).__name__, exc)
        print("harness.generators.strategies" in sys.modules)
    """)
    assert res.returncode == 0, res.stderr
    assert "'llm' is registered twice: by harness.generators.strategies:LLMGenerator" in res.stdout
    assert res.stdout.strip().endswith("False")


def test_every_builtin_the_package_registers_is_declared_by_name():
    """A built-in kind, strategy, family or judge method must be declared in harness.core.registries too, or a
    config naming it would be refused before its module is imported."""
    import importlib
    import pkgutil

    import harness
    from harness.core.registries import ALL, DECLARED
    from harness.core.registry import origin

    for pkg in ("harness.generators", "harness.scorers"):
        for mod in pkgutil.walk_packages(importlib.import_module(pkg).__path__, pkg + "."):
            importlib.import_module(mod.name)
    for registry in ALL:
        builtin = [n for n, e in registry.items() if origin(e).startswith(harness.__name__ + ".")]
        assert set(builtin) <= set(DECLARED[registry.what]), registry.what
