"""Plug-ins: a user's module named in `plugins:` registers generator kinds and strategies the config then accepts;
what cannot be imported is a one-line error naming plugins[i], the file and the line."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from harness import generators
from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.generators import call_rounds, calls_provider, kind_of, kinds, strategies
from harness.generators.base import GeneratorSpec
from harness.plugins import config_from_dict, config_from_text, load_config, load_plugins, load_run_plugins

HEAD = """\
name: p
tasks: [rag-llm-survey]
"""


@pytest.fixture
def plugin_dir(tmp_path, plugin_registries):
    """A directory for plug-in modules; the registries, sys.path and sys.modules are restored afterwards."""
    return tmp_path


def _module(directory: Path, name: str, body: str) -> None:
    (directory / f"{name}.py").write_text(textwrap.dedent(body))


ECHO = """\
    from harness.generators import generator_kind
    from harness.generators.base import Generation
    from harness.generators.strategies import Draft, strategy


    @generator_kind("echo_topic", calls_provider=False)
    class EchoTopic:
        def __init__(self, spec):
            self.spec = spec

        async def generate(self, task, seed, client=None):
            return Generation(task_id=task.id, generator=self.spec.name, seed=seed, error="not used here")


    @generator_kind("remote_thing", calls_provider=True, requires=("model", "api_base"))
    def remote_thing(spec):
        return EchoTopic(spec)


    @strategy("shout")
    async def shout(run):
        return Draft((await run.call("write", "zero_shot", 10, pool=run.pool_text())).upper())


    @strategy("draft_then_polish", rounds=2)
    async def draft_then_polish(run):
        draft = await run.call("write", "zero_shot", 10, pool=run.pool_text())
        return Draft(await run.call("polish", "zero_shot", 10, pool=draft))


    @generator_kind("three_hops", calls_provider=True, requires=("model",), rounds=lambda spec: 3)
    def three_hops(spec):
        return EchoTopic(spec)
"""


def test_a_plugin_config_accepts_its_kinds_and_strategies(plugin_dir):
    _module(plugin_dir, "plug_echo", ECHO)
    (plugin_dir / "cfg.yaml").write_text(HEAD + """\
plugins: [plug_echo]
generators:
  - {name: e, kind: echo_topic}
  - {name: r, kind: remote_thing, model: openai/x, api_base: 'http://127.0.0.1:9', strategy: shout}
""")
    cfg = load_config(plugin_dir / "cfg.yaml")  # found beside the config, no PYTHONPATH
    assert [g.kind for g in cfg.generators] == ["echo_topic", "remote_thing"]
    assert [calls_provider(g) for g in cfg.generators] == [False, True]
    assert "echo_topic" in kinds() and kind_of("remote_thing").requires == ("model", "api_base")
    assert cfg.generators[1].strategy == "shout" and "shout" in strategies.STRATEGIES
    assert cfg.plugins == ["plug_echo"]
    assert type(generators.build_generator(cfg.generators[0])).__name__ == "EchoTopic"


def test_builtin_kinds_declare_whether_they_call_a_provider():
    flags = {k: kind_of(k).calls_provider for k in ("llm", "extractive", "recent_papers", "replay")}
    assert flags == {"llm": True, "extractive": False, "recent_papers": False, "replay": False}
    assert kind_of("llm").requires == ("model",) and kind_of("replay").requires == ("replay",)
    assert calls_provider(GeneratorSpec(name="g", kind="llm", model="openai/x"))
    assert not calls_provider(GeneratorSpec(name="g", kind="extractive"))
    assert {"zero_shot", "plan_then_write", "outline_sections", "closed_book"} <= set(strategies.STRATEGIES)
    assert not strategies.shows_pool("closed_book") and strategies.shows_pool("zero_shot")


def test_rounds_of_calls_come_from_the_kind_or_the_strategy_declaration(plugin_dir):
    _module(plugin_dir, "plug_rounds", ECHO)
    sys.path.append(str(plugin_dir))
    load_plugins(["plug_rounds"])
    spec = {name: GeneratorSpec(name=name, **fields) for name, fields in {
        "offline": {"kind": "echo_topic"}, "remote": {"kind": "remote_thing", "model": "m", "api_base": "b"},
        "hops": {"kind": "three_hops", "model": "m"}, "zero": {"kind": "llm", "model": "m"},
        "plan": {"kind": "llm", "model": "m", "strategy": "plan_then_write"},
        "polish": {"kind": "llm", "model": "m", "strategy": "draft_then_polish"}}.items()}
    assert {name: call_rounds(s) for name, s in spec.items()} == {
        "offline": 0, "remote": 1, "hops": 3, "zero": 1, "plan": 2, "polish": 2}
    with pytest.raises(HarnessError, match="rounds must be at least 1"):
        strategies.strategy("none_at_all", rounds=0)


def test_required_fields_come_from_the_declaration(plugin_dir):
    _module(plugin_dir, "plug_req", ECHO)
    sys.path.append(str(plugin_dir))
    text = HEAD + "plugins: [plug_req]\ngenerators:\n  - {name: e, kind: echo_topic}\n" \
                  "  - {name: r, kind: remote_thing, model: openai/x}\n"
    with pytest.raises(HarnessError) as info:
        config_from_text(text, source=str(plugin_dir / "x.yaml"))
    err = info.value
    assert (err.field, err.line) == ("generators[1]", 6)
    assert "kind 'remote_thing' needs a value for api_base" in err.message


def _second_entry_error(plugin_dir, module: str, source: str, entry: str) -> HarnessError:
    """The error of a config (c.yaml) loading plug-in `module` whose second generator entry, on line 6, is `entry`."""
    _module(plugin_dir, module, source)
    sys.path.append(str(plugin_dir))
    text = HEAD + f"plugins: [{module}]\ngenerators:\n  - {{name: x, kind: extractive}}\n  - {entry}\n"
    with pytest.raises(HarnessError) as info:
        config_from_text(text, source="c.yaml")
    return info.value


@pytest.mark.parametrize("generator, field, needle", [
    ("{name: e, kind: echo_topik}", "generators.1.kind", "unknown generator kind 'echo_topik'"),
    ("{name: e, kind: llm, model: m, strategy: whisper}", "generators.1.strategy", "unknown strategy 'whisper'"),
])
def test_unknown_kind_or_strategy_names_the_field_line_and_the_known_names(plugin_dir, generator, field, needle):
    err = _second_entry_error(plugin_dir, "plug_known", ECHO, generator)
    assert (err.path, err.field, err.line) == ("c.yaml", field, 6)
    assert needle in err.message and "\n" not in str(err)
    assert ("echo_topic" in err.message and "llm" in err.message) if "kind" in field else \
        ("shout" in err.message and "zero_shot" in err.message)


@pytest.mark.parametrize("body, needle", [
    (None, "plug-in module 'plug_absent' not found"),
    ("raise RuntimeError('no licence file')\n", "RuntimeError: no licence file (plug_broken.py:1)"),
    ("import plug_not_there_either\n", "ModuleNotFoundError"),
    ("def broken(:\n", "SyntaxError"),
])
def test_a_plugin_that_cannot_be_imported_is_one_line_naming_plugins_i_file_and_line(plugin_dir, body, needle):
    name = "plug_absent" if body is None else "plug_broken"
    if body is not None:
        _module(plugin_dir, name, body)
    path = plugin_dir / "cfg.yaml"
    path.write_text(HEAD + f"plugins:\n  - json\n  - {name}\ngenerators:\n  - {{name: x, kind: extractive}}\n")
    with pytest.raises(HarnessError) as info:
        load_config(path)
    err = info.value
    assert (err.path, err.field, err.line) == (str(path), "plugins[1]", 5)
    assert needle in err.message and "\n" not in str(err)


def test_a_plugin_cannot_take_a_builtin_name(plugin_dir):
    _module(plugin_dir, "plug_thief", """\
        from harness.generators import generator_kind

        @generator_kind("llm", calls_provider=False)
        class Thief:
            pass
    """)
    (plugin_dir / "c.yaml").write_text("plugins: [plug_thief]\n")
    with pytest.raises(HarnessError) as info:
        load_plugins(["plug_thief"], str(plugin_dir / "c.yaml"), "plugins: [plug_thief]\n")
    assert info.value.field == "plugins[0]" and info.value.line == 1
    assert "'llm' is registered twice" in info.value.message and "LLMGenerator" in info.value.message
    assert kind_of("llm").calls_provider  # the built-in kept its name


def test_plugins_change_the_hash_only_when_listed(plugin_dir):
    _module(plugin_dir, "plug_hash", ECHO)
    base = HEAD + "generators:\n  - {name: x, kind: extractive}\n"
    sys.path.append(str(plugin_dir))
    plain = config_from_text(base).config_hash()
    assert config_from_text(base + "plugins: []\n").config_hash() == plain
    assert config_from_text(base + "plugins: [plug_hash]\n").config_hash() != plain


def test_a_run_directory_loads_the_plugins_its_config_names(plugin_dir):
    _module(plugin_dir, "plug_run", ECHO.replace("echo_topic", "run_kind").replace('"shout"', '"run_shout"')
            .replace("remote_thing", "run_remote"))
    sys.path.append(str(plugin_dir))
    manifest = {"config": {"plugins": ["plug_run"], "generators": [{"name": "e", "kind": "run_kind"}]}}
    assert "run_kind" not in kinds()
    load_run_plugins(manifest, plugin_dir / "manifest.json")
    assert "run_kind" in kinds()
    assert load_run_plugins({"config": {"generators": []}}, "m.json") == []
    with pytest.raises(HarnessError) as info:
        load_run_plugins({"config": {"plugins": ["plug_gone"]}}, plugin_dir / "manifest.json")
    assert info.value.field == "plugins[0]" and str(plugin_dir / "manifest.json") in str(info.value)


def test_the_source_fingerprint_follows_the_plugin_code(plugin_dir):
    from harness.plugins import source_fingerprint

    sys.path.append(str(plugin_dir))
    _module(plugin_dir, "plug_fp", "X = 1\n")
    load_plugins(["plug_fp"])
    first = source_fingerprint(["plug_fp"])
    assert first == source_fingerprint(["plug_fp"]) != source_fingerprint([])
    _module(plugin_dir, "plug_fp", "X = 2\n")
    assert source_fingerprint(["plug_fp"]) != first  # an edited plug-in changes the key


def test_editing_a_plug_in_generator_changes_its_cell_key(plugin_dir):
    from harness.generators.base import GeneratorSpec
    from harness.plugins import load_plugins
    from harness.runner.cell_cache import cell_key
    from harness.tasks.suite import get_task

    _module(plugin_dir, "plug_edit", ECHO)
    sys.path.insert(0, str(plugin_dir))
    load_plugins(["plug_edit"])
    spec, task = GeneratorSpec(name="e", kind="echo_topic"), get_task("rag-llm-survey")
    before = cell_key(spec, task, 0)
    assert cell_key(spec, task, 0) == before  # the same code: a hit
    (plugin_dir / "plug_edit.py").write_text((plugin_dir / "plug_edit.py").read_text() + "\n# edited\n")
    assert cell_key(spec, task, 0) != before


TYPED = """\
    from pydantic import BaseModel, Field
    from harness.generators import generator_kind
    from harness.generators.base import Generation


    class EchoOptions(BaseModel):
        sentences: int = Field(default=1, ge=1)
        tone: str = "plain"


    @generator_kind("typed_echo", calls_provider=False, options=EchoOptions)
    class TypedEcho:
        def __init__(self, spec):
            self.spec = spec

        async def generate(self, task, seed, client=None):
            return Generation(task_id=task.id, generator=self.spec.name, seed=seed, error="not used here")
"""


def test_a_plugin_kind_declares_typed_options_written_at_the_top_level_of_its_entry(plugin_dir):
    _module(plugin_dir, "plug_typed", TYPED)
    gens = "generators:\n  - {name: t, kind: typed_echo, sentences: '2'}\n  - {name: d, kind: typed_echo}\n"
    (plugin_dir / "cfg.yaml").write_text(HEAD + "plugins: [plug_typed]\n" + gens)
    cfg = load_config(plugin_dir / "cfg.yaml")
    typed, default = cfg.generators
    assert typed.options.sentences == 2 and type(typed.options.sentences) is int and typed.options.tone == "plain"
    assert default.options.sentences == 1 and type(typed.options).__name__ == "EchoOptions"
    # what was written is recorded (typed), defaults are not: a config without options keeps its hash
    assert typed.model_dump()["sentences"] == 2 and "tone" not in typed.model_dump()
    assert "sentences" not in default.model_dump()
    again = config_from_dict(cfg.model_dump(mode="json", by_alias=True))  # a run directory's recorded config
    assert again.generators[0].options == typed.options and again.config_hash() == cfg.config_hash()
    three = config_from_text(HEAD + "plugins: [plug_typed]\n" + gens.replace("'2'", "3"))
    assert three.config_hash() != cfg.config_hash() and three.generators[0].options.sentences == 3


@pytest.mark.parametrize("entry, field, needle", [
    ("{name: t, kind: typed_echo, sentences: 0}", "generators.1.sentences", "greater than or equal to 1"),
    ("{name: t, kind: typed_echo, sentences: many}", "generators.1.sentences", "valid integer"),
    ("{name: t, kind: typed_echo, sentencez: 2}", "generators.1.sentencez", "unknown field"),
    ("{name: t, kind: extractive, sentences: 2}", "generators.1.sentences", "unknown field"),
    ("{name: t, kind: llm, model: m, sentences: 2}", "generators.1.sentences", "unknown field"),
])
def test_an_undeclared_option_or_a_bad_value_names_file_field_and_line(plugin_dir, entry, field, needle):
    err = _second_entry_error(plugin_dir, "plug_typed_bad", TYPED, entry)
    assert (err.path, err.field, err.line) == ("c.yaml", field, 6)
    assert needle in err.message and "\n" not in str(err)


def test_builtin_kinds_take_exactly_the_spec_fields(plugin_registries):
    assert all(kind_of(k).options is None for k in kinds())
    cfg = load_config(None)
    assert all(set(g.model_dump()) == set(GeneratorSpec.model_fields) for g in cfg.generators)


def test_an_options_model_is_a_pydantic_model_that_shadows_no_spec_field(plugin_registries):
    from pydantic import BaseModel

    class Shadow(BaseModel):
        model: str = "x"

    with pytest.raises(HarnessError, match="GeneratorSpec fields already"):
        generators.generator_kind("shadowing", calls_provider=False, options=Shadow)(lambda spec: None)
    with pytest.raises(HarnessError, match="pydantic model class"):
        generators.generator_kind("untyped", calls_provider=False, options=dict)(lambda spec: None)
    assert "shadowing" not in kinds() and "untyped" not in kinds()


def test_the_example_kind_reads_its_typed_option(examples_on_path):
    import asyncio

    from harness.tasks.suite import get_task

    load_plugins(["my_plugins.generators"])
    task = get_task("rag-llm-survey")
    one, two = (asyncio.run(generators.build_generator(GeneratorSpec(name="lead", kind="lead_sentences", k=4, **extra))
                            .generate(task, 0)).review.text for extra in ({}, {"sentences": 2}))
    for n in range(1, 5):  # each paper's first sentence, then (with sentences: 2) its second, then the citation
        first = one.split(f" [{n}].")[0].rsplit("]. ", 1)[-1].split("\n")[-1]
        assert first in two and len(two.split(f" [{n}].")[0]) > len(one.split(f" [{n}].")[0])


def test_validation_imports_no_plugin_and_says_how_to_load_them(plugin_dir):
    _module(plugin_dir, "plug_unloaded", ECHO.replace("echo_topic", "unloaded_kind"))
    sys.path.append(str(plugin_dir))
    text = HEAD + "plugins: [plug_unloaded]\ngenerators:\n  - {name: e, kind: unloaded_kind}\n"
    with pytest.raises(HarnessError) as info:
        ExperimentConfig.from_text(text, source="c.yaml")  # validation only: the loading step imports plug-ins
    err = info.value
    assert (err.field, err.line) == ("generators.0.kind", 5) and "unknown generator kind 'unloaded_kind'" in err.message
    assert "plug_unloaded" in err.hint and "harness.plugins.load_config" in err.hint
    assert "plug_unloaded" not in sys.modules
    assert config_from_text(text, source="c.yaml").generators[0].kind == "unloaded_kind"
