"""Experiment config: the schema of one validated object (YAML or Python) used by the CLI and the Python API,
and reading it from a file, a YAML text or a mapping.

Names of kinds, strategies, families and judge methods are checked against the lazy registries
(harness.core.registries), which know the built-in names without importing them. Plug-ins are not imported
here: `harness.plugins.load_config` imports a config's plug-ins, then validates it.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from pathlib import Path
from typing import Any, Literal, Mapping

import yaml
from pydantic import ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator

from harness.cells import Cell
from harness.core.errors import HarnessError, pydantic_errors
from harness.core.paths import CACHE_FILE, DEFAULT_CACHE_DIR, cache_file  # noqa: F401 (re-exported)
from harness.core.registries import (DEFAULT_RELEVANCE, DEFAULT_SUPPORT, GENERATOR_KINDS, RELEVANCE_METHODS,
                                     SCORER_FAMILIES, SUPPORT_METHODS)
from harness.core.secrets import (REDACTED, _forms, env_secrets, known_secrets, redact,  # noqa: F401 (re-exported
                                  redact_text, register_secrets, secret_name, secret_values)  # for older callers)
from harness.core.sourcelines import key_line, value_line, yaml_line
from harness.generators.base import GeneratorSpec
from harness.models import Strict, content_hash

DEFAULT_CONFIG = Path(__file__).parent / "configs" / "default.yaml"


class Concurrency(Strict):
    """How many LLM calls may be in flight: overall and per model (a model missing from per_model gets global)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    global_: int = Field(default=8, ge=1, alias="global", description="LLM calls in flight at once over the whole run")
    per_model: dict[str, int] = Field(default_factory=dict,
        description="model -> calls in flight at once for that model (capped by global)")

    @field_validator("per_model")
    @classmethod
    def _positive(cls, v: dict[str, int]) -> dict[str, int]:
        for model, n in v.items():
            if n < 1:
                raise ValueError(f"per_model[{model!r}] must be >= 1 (got {n})")
        return v

    def for_model(self, model: str) -> int:
        return min(self.per_model.get(model, self.global_), self.global_)


class Retries(Strict):
    """Retry policy for 429 / 5xx / timeouts / connection errors: exponential backoff with jitter."""

    max_attempts: int = Field(default=4, ge=1, description="attempts per call, the first included")
    base_delay_s: float = Field(default=1.0, ge=0,
        description="first backoff delay in seconds (doubled each retry, with jitter)")
    max_delay_s: float = Field(default=30.0, ge=0,
        description="longest backoff delay in seconds (a Retry-After header is honoured)")


def _registered(registry, name: str) -> str:
    """The name, if the registry holds it; a ValueError naming the registered ones otherwise (pydantic's message)."""
    if name not in registry:
        raise ValueError(f"unknown {registry.what} {name!r}; use one of: " + ", ".join(registry.names()))
    return name


class SupportConfig(Strict):
    """scorers.support: how citation support is checked (similarity | nli | llm), by which model, how often."""

    method: str = Field(default=DEFAULT_SUPPORT,
        description="a registered support method (harness.scorers.judge_methods), plug-ins included")
    model: str | list[str] | None = Field(default=None,
        description="nli: a cross-encoder path or hub id; llm: one or more litellm models")
    repeats: int = Field(default=1, ge=1, le=25,
        description="llm: asks per decision, the majority verdict counts (temperature > 0 when > 1)")
    temperature: float = Field(default=0.7, gt=0, le=2, description="llm: sampling temperature of repeated asks")
    api_base: str | None = Field(default=None, description="llm: an OpenAI-compatible server for the judge model")

    @field_validator("method")
    @classmethod
    def _registered(cls, v: str) -> str:
        return _registered(SUPPORT_METHODS, v)

    @field_validator("model")
    @classmethod
    def _models_nonempty(cls, v: str | list[str] | None) -> str | list[str] | None:
        if isinstance(v, list) and (not v or not all(isinstance(m, str) and m.strip() for m in v)):
            raise ValueError("model list must name at least one model, each a non-empty string")
        if isinstance(v, str) and not v.strip():
            raise ValueError("model is empty")
        return v


class RelevanceConfig(Strict):
    """scorers.relevance: how cited references are judged on-topic (contrast | neighbours | title_similarity | llm |
    plug-in)."""

    method: str = Field(default=DEFAULT_RELEVANCE,
        description="a registered relevance method (harness.scorers.judge_methods), plug-ins included")
    model: str | None = Field(default=None, description="llm: the litellm judge model (default: scorers.judge_model)")
    api_base: str | None = Field(default=None, description="llm: an OpenAI-compatible server for the judge model")

    @field_validator("method")
    @classmethod
    def _registered(cls, v: str) -> str:
        return _registered(RELEVANCE_METHODS, v)

    @field_validator("model")
    @classmethod
    def _model_nonempty(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("model is empty")
        return v


class Scorers(Strict):
    """Which scorer families run (None = all registered) and the judge model for judged families."""

    families: list[str] | None = Field(default=None,
        description="scorer families to run (default: every registered family, plug-ins included)")
    judge_model: str | None = Field(default=None,
        description="litellm model of the rubric judge family (judge.*); unset: judge.* is not_applicable")
    judge_repeats: int = Field(default=1, ge=1, le=25,
        description="judge family: asks per aspect, the median rating counts (temperature 0.7 when > 1)")
    judge_api_base: str | None = Field(default=None,
        description="judge family: an OpenAI-compatible server for judge_model")
    verify_online: bool = Field(default=False,
        description="look references up on arXiv / Crossref / OpenAlex (harness.papers.verify)")
    fetch_abstracts: bool = Field(default=False,
        description="fetch cited papers' missing abstracts online for support (harness.papers.abstract_fetch)")
    support: SupportConfig | None = Field(default=None,
        description="how citation support is checked (default: method similarity)")
    relevance: RelevanceConfig | None = Field(default=None,
        description="how cited references are judged on-topic (default: method contrast)")


class Execution(Strict):
    """How a run is carried out, never what it computes: left out of config_hash, so no knob here breaks --resume."""

    concurrency: Concurrency = Field(default_factory=Concurrency,
        description="LLM calls in flight at once, overall and per model")
    retries: Retries = Field(default_factory=Retries,
        description="retry policy for 429 / 5xx / timeouts / connection errors")
    timeout_s: float = Field(default=300.0, gt=0, description="seconds before one LLM call times out")
    budget_usd: float | None = Field(default=None, ge=0,
        description="a ceiling on the run's spend: a call starts only when its worst case fits")
    allow_unpriced: bool = Field(default=False,
        description="with budget_usd: run models with no known price (their calls are not counted)")
    cache: bool = Field(default=True, description="reuse cached responses and whole cells (SQLite under cache_dir)")
    cache_dir: str | None = Field(default=None,
        description="where the caches live (default: $HARNESS_CACHE_DIR or ~/.cache/review-harness)")
    output_dir: str = Field(default="results", description="where run directories are written")
    executor: Literal["local", "ray"] = Field(default="local",
        description="where scoring and offline generation run: local processes or a Ray cluster")
    address: str | None = Field(default=None, description="ray only: auto, ray://host:port, or a cluster's host:port")
    workers: int | Literal["auto"] = Field(default="auto",
        description="local executor: scoring processes (auto: from the free cores)")

    @field_validator("workers", mode="before")
    @classmethod
    def _workers_positive(cls, v: Any) -> int | str:
        if v == "auto" or (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
            return v
        raise ValueError(f"workers must be a number >= 1 or 'auto' (got {v!r})")

    @field_validator("address")
    @classmethod
    def _address_form(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None and info.data.get("executor", "ray") != "ray":
            raise ValueError("address is only used with executor: ray")
        if v is not None and v != "auto" and not _RAY_ADDRESS.match(v):
            raise ValueError(f"address must be 'auto', 'ray://host:port' or 'host:port' (got {v!r})")
        return v


_RAY_ADDRESS = re.compile(r"^(ray://)?[A-Za-z0-9_.\-]+:\d{1,5}$")
# Keys that lived at the top level before `execution:` existed; they are still read there (into execution).
_LEGACY_TOP = ("concurrency", "retries", "timeout_s", "budget_usd", "cache", "cache_dir", "output_dir")


class ExperimentConfig(Strict):
    """A matrix of tasks x generators x seeds, how to score it, and how to call providers."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(default="experiment", description="the experiment's name, recorded in the manifest")
    plugins: list[str] = Field(default_factory=list,
        description="users' modules that register families, kinds, strategies (imported first)")
    tasks: list[str] = Field(default_factory=lambda: ["all"],
        description="task ids, globs or all; hf:PATH_OR_ID reads a `harness tasks export` dataset")
    tasks_dir: str | None = Field(default=None, description="directory of task files (default: the shipped suite)")
    generators: list[GeneratorSpec] = Field(min_length=1, description="the generators to compare (at least one)")
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1,
        description="seeds; every task x generator cell runs once per seed")
    scorers: Scorers = Field(default_factory=Scorers,
        description="which scorer families run and how judged scores are judged")
    execution: Execution = Field(default_factory=Execution,
        description="how the run is carried out (left out of config_hash)")
    _source: str | None = PrivateAttr(default=None)
    _text: str | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _legacy_execution(cls, data: Any) -> Any:
        """Top-level concurrency, retries, timeout_s, ... (configs from before `execution:`) move into execution."""
        if not isinstance(data, dict) or not any(k in data for k in _LEGACY_TOP):
            return data
        execution = data.get("execution")
        if execution is None:
            execution = {}
        if not isinstance(execution, dict):
            return data  # validation reports the bad execution value
        for key in _LEGACY_TOP:
            if key in data and key in execution:
                raise ValueError(f"{key} and execution.{key} are both given: keep one (execution.{key})")
        moved = {k: data[k] for k in _LEGACY_TOP if k in data}
        rest = {k: v for k, v in data.items() if k not in moved}
        return {**rest, "execution": {**execution, **moved}}

    @model_validator(mode="before")
    @classmethod
    def _hf_tasks(cls, data: Any) -> Any:
        """`tasks: hf:PATH_OR_ID` (or one hf: item in the list) loads a `datasets` export: it becomes tasks_dir."""
        if not isinstance(data, dict):
            return data
        sel = data.get("tasks")
        items = [sel] if isinstance(sel, str) else sel if isinstance(sel, list) else []
        hf = [s for s in items if isinstance(s, str) and s.startswith("hf:")]
        if not hf:
            return data
        if len(hf) > 1 or data.get("tasks_dir"):
            raise ValueError("tasks: give one hf:PATH_OR_ID source, and no tasks_dir beside it")
        rest = [s for s in items if s not in hf]
        return {**data, "tasks_dir": hf[0], "tasks": rest or ["all"]}

    @field_validator("tasks")
    @classmethod
    def _tasks_nonempty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("tasks is empty: give task ids, globs like 'llm-*', or 'all'")
        return v

    @field_validator("seeds")
    @classmethod
    def _seeds_unique(cls, v: list[int]) -> list[int]:
        if len(set(v)) != len(v):
            raise ValueError(f"seeds repeat: {v}")
        return v

    @model_validator(mode="after")
    def _generators_ok(self) -> ExperimentConfig:
        """Generator names unique and '|'-free; each kind's required fields set (its declaration imported)."""
        seen: set[str] = set()
        for i, g in enumerate(self.generators):
            if g.name in seen:
                raise ValueError(f"generators[{i}].name {g.name!r} is used twice")
            if "|" in g.name:
                raise ValueError(f"generators[{i}].name {g.name!r} must not contain '|'")
            seen.add(g.name)
            missing = [f for f in GENERATOR_KINDS.get(g.kind).requires if getattr(g, f) in (None, "", [], {})]
            if missing:
                raise ValueError(f"generators[{i}] ({g.name}): kind {g.kind!r} needs a value for {' and '.join(missing)}")
        return self

    # ----- loading -----------------------------------------------------------------------------

    @classmethod
    def from_yaml(cls, path: str | Path) -> ExperimentConfig:
        """Load and validate a YAML config; errors name the file, field and line (plug-ins already imported)."""
        return cls.from_text(read_config_text(path), source=str(path))

    @classmethod
    def from_text(cls, text: str, source: str = "<config>") -> ExperimentConfig:
        """Validate a YAML text (source names it in errors)."""
        return cls.from_dict(parse_config_text(text, source), source=source, text=text)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<config>", text: str | None = None) -> ExperimentConfig:
        """Validate a mapping (the Python API's entry point); the modules of its `plugins:` must be imported
        already (harness.plugins.config_from_dict does both)."""
        try:
            cfg = cls.model_validate(dict(data))
        except ValidationError as exc:
            raise _config_error(exc, data, source, text) from None
        cfg._source, cfg._text = source, text
        cfg.check_families()
        return cfg

    @classmethod
    def default(cls) -> ExperimentConfig:
        """The embedded default experiment (harness/configs/default.yaml)."""
        return cls.from_yaml(DEFAULT_CONFIG)

    @property
    def source(self) -> str:
        return self._source or "<config>"

    # Read-only views of the execution settings under their old top-level names (new code: config.execution.X).
    @property
    def concurrency(self) -> Concurrency:
        return self.execution.concurrency

    @property
    def retries(self) -> Retries:
        return self.execution.retries

    @property
    def timeout_s(self) -> float:
        return self.execution.timeout_s

    @property
    def budget_usd(self) -> float | None:
        return self.execution.budget_usd

    @property
    def cache(self) -> bool:
        return self.execution.cache

    @property
    def cache_dir(self) -> str | None:
        return self.execution.cache_dir

    @property
    def output_dir(self) -> str:
        return self.execution.output_dir

    def _error(self, message: str, field: str, key: str | None = None, hint: str | None = None) -> HarnessError:
        return HarnessError(message, path=self.source, field=field, line=value_line(self._text, key), hint=hint)

    # ----- expansion ---------------------------------------------------------------------------

    def check_families(self) -> list[str] | None:
        """Check scorer family names against the scorer registry (names only: no scorer is imported)."""
        if self.scorers.families is None:
            return None
        if not self.scorers.families:
            raise HarnessError("no scorer family listed", path=self.source, field="scorers.families",
                               line=key_line(self._text, ("families",)),
                               hint="list families, or leave out 'families' to run them all")
        for i, fam in enumerate(self.scorers.families):
            if fam not in SCORER_FAMILIES:
                raise self._error(f"unknown scorer family {fam!r}", f"scorers.families[{i}]", fam,
                                  hint="known: " + ", ".join(sorted(SCORER_FAMILIES)))
        return list(self.scorers.families)

    def task_ids(self, known: list[str]) -> list[str]:
        """Expand task selectors ('all', globs, ids) against the suite's ids (`known`, in suite order: e.g.
        `list(harness.tasks.suite.load_suite(config.tasks_dir))`), in suite order, without repeats."""
        out: list[str] = []
        for i, sel in enumerate(self.tasks):
            if sel == "all":
                hits = list(known)
            elif any(c in sel for c in "*?["):
                hits = [t for t in known if fnmatch.fnmatchcase(t, sel)]
                if not hits:
                    raise self._error(f"task selector {sel!r} matches no task", f"tasks[{i}]", sel,
                                      hint="known: " + ", ".join(known))
            elif sel in known:
                hits = [sel]
            else:
                raise self._error(f"unknown task id {sel!r}", f"tasks[{i}]", sel, hint="known: " + ", ".join(known))
            out.extend(t for t in hits if t not in out)
        return out

    def resolved(self, known_tasks: list[str]) -> ExperimentConfig:
        """A copy with tasks expanded to ids (against the suite's ids), scorer families listed (all registered
        ones when none are named), and cache_dir made absolute."""
        data = self.model_dump(mode="json", by_alias=True)
        data["tasks"] = self.task_ids(known_tasks)
        fams = self.scorers.families
        data["scorers"]["families"] = SCORER_FAMILIES.names() if fams is None else fams
        data["execution"]["cache_dir"] = str(self.cache_path().parent)
        out = type(self).model_validate(data)
        out._source, out._text = self._source, self._text
        return out

    def cache_path(self) -> Path:
        """The SQLite response cache file of this config."""
        return cache_file(self.execution.cache_dir)

    def config_hash(self) -> str:
        """Hash of what determines results: everything but `execution` (how and where the run is carried out)."""
        data = redact(self.model_dump(mode="json", by_alias=True, exclude={"execution"}))
        if isinstance(data.get("scorers"), dict) and data["scorers"].get("support") is None:
            data["scorers"].pop("support", None)  # configs from before scorers.support keep their hash
        if isinstance(data.get("scorers"), dict) and not data["scorers"].get("fetch_abstracts"):
            data["scorers"].pop("fetch_abstracts", None)  # and from before fetch_abstracts
        if isinstance(data.get("scorers"), dict) and data["scorers"].get("judge_repeats") == 1:
            data["scorers"].pop("judge_repeats", None)  # configs from before judge_repeats keep their hash
        if isinstance(data.get("scorers"), dict) and data["scorers"].get("judge_api_base") is None:
            data["scorers"].pop("judge_api_base", None)
        if isinstance(data.get("scorers"), dict) and data["scorers"].get("relevance") is None:
            data["scorers"].pop("relevance", None)  # likewise for scorers.relevance
        if not data.get("plugins"):
            data.pop("plugins", None)  # configs without plug-ins keep the hash they had before plugins existed
        return content_hash(data)

    def secrets(self) -> list[str]:
        """Values under secret-named fields (api_key, token, ...) anywhere in this config."""
        return secret_values(self.model_dump(mode="json", by_alias=True))

    def cells(self, task_ids: list[str]) -> list[tuple[str, str, int]]:
        """Cells in deterministic order: task x generator x seed."""
        return [(t, g.name, s) for t in task_ids for g in self.generators for s in self.seeds]


def read_config_text(path: str | Path) -> str:
    """The text of a config file (HarnessError naming the file when it cannot be read)."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HarnessError("config file not found", path=p) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HarnessError(f"cannot read config: {exc}", path=p) from None


def parse_config_text(text: str, source: str = "<config>") -> dict[str, Any]:
    """The mapping a YAML config text holds (HarnessError with the line of a YAML syntax error)."""
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        raise HarnessError("YAML nested too deeply to read", path=source) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise HarnessError(f"invalid YAML: {getattr(exc, 'problem', exc)}", path=source, line=line) from None
    if not isinstance(data, dict):
        raise HarnessError("a config must be a YAML mapping (name:, tasks:, generators:, ...)", path=source)
    return data


def load_config(path: str | Path | None = None) -> ExperimentConfig:
    """Load a config file, or the embedded default when path is None (its plug-ins must be imported already:
    harness.plugins.load_config imports them first)."""
    return ExperimentConfig.default() if path is None else ExperimentConfig.from_yaml(path)


def cell_id(task_id: str, generator: str, seed: int) -> str:
    """Deprecated: `harness.cells.Cell(...).key`, the cell key used in every run file."""
    return Cell(task_id=task_id, generator=generator, seed=seed).key


def parse_cell(cell: str) -> tuple[str, str, int]:
    """Deprecated: `harness.cells.Cell.parse(key)`."""
    c = Cell.parse(cell)
    return c.task_id, c.generator, c.seed


_MODEL_LOC = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?\W")
_TWICE = re.compile(r"^(\w+) and execution\.\1 are both given")


def _config_error(exc: ValidationError, data: Mapping[str, Any], source: str, text: str | None) -> HarnessError:
    """The first validation error as a HarnessError naming the file, the field as written and its line."""
    err = pydantic_errors(exc, source, text)
    loc = exc.errors()[0].get("loc", ())
    m = _MODEL_LOC.match(err.message) if err.field is None else None
    if m:  # a cross-field check ("generators[1].name 'a' is used twice"): name the item and its line
        err.field = m.group(1) + f"[{m.group(2)}]" + (f".{m.group(3)}" if m.group(3) else "")
        err.line = yaml_line(text, (m.group(1), int(m.group(2)))) if text else None
    elif text:  # the exact node (generators[1].kind, not the first `kind:` of the file)
        err.line = yaml_line(text, loc) or err.line
    if err.line is None:
        err.line = key_line(text, loc)
    _name_legacy_key(err, data, text)
    plugins = data.get("plugins")
    missing = [m for m in plugins if isinstance(m, str) and m not in sys.modules] if isinstance(plugins, list) else []
    if missing and not err.hint:  # the Python API validates; importing plug-ins is the loading step's
        err.hint = (f"plug-ins not imported: {', '.join(missing)}; load the config with harness.plugins.load_config "
                    "or config_from_dict, which import them first")
    return HarnessError(err.message, path=err.path, field=err.field, line=err.line, hint=err.hint)


def _name_legacy_key(err: HarnessError, data: Mapping[str, Any], text: str | None) -> None:
    """Errors about an execution key the user wrote at the top level name it as written (and its line)."""
    twice = _TWICE.match(err.message)
    if twice:
        err.field = twice.group(1)
        err.line = yaml_line(text, (err.field,)) if text else None
        return
    head, _, rest = (err.field or "").partition(".")
    key = rest.split(".", 1)[0]
    if head == "execution" and key in _LEGACY_TOP and key in data:  # written at the top level, so named there
        err.field = rest
