"""Experiment config: one validated object (YAML or Python) used by the CLI and the Python API."""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
from pathlib import Path
from typing import Any, Literal, Mapping

import yaml
from pydantic import ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator

from harness.core.errors import HarnessError, pydantic_errors
from harness.generators.base import GeneratorSpec
from harness.models import Strict, content_hash
from harness.scorers.judge_methods import DEFAULT_RELEVANCE, DEFAULT_SUPPORT, RELEVANCE_METHODS, SUPPORT_METHODS

DEFAULT_CONFIG = Path(__file__).parent / "configs" / "default.yaml"
DEFAULT_CACHE_DIR = Path("~/.cache/review-harness")
CACHE_FILE = "responses.sqlite"
REDACTED = "***"


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
    """scorers.relevance: how cited references are judged on-topic (neighbours | title_similarity | llm | plug-in)."""

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
        description="how cited references are judged on-topic (default: method neighbours)")


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
    def _load_plugins(cls, data: Any, info: ValidationInfo) -> Any:
        """Import the config's plug-ins before its generators' kinds and strategies are checked."""
        plugins = data.get("plugins") if isinstance(data, dict) else None
        if isinstance(plugins, list) and plugins:
            from harness.plugins import load_plugins

            context = info.context or {}
            load_plugins(plugins, context.get("source", "<config>"), context.get("text"))
        return data

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
        from harness.generators import kind_of

        seen: set[str] = set()
        for i, g in enumerate(self.generators):
            if g.name in seen:
                raise ValueError(f"generators[{i}].name {g.name!r} is used twice")
            if "|" in g.name:
                raise ValueError(f"generators[{i}].name {g.name!r} must not contain '|'")
            seen.add(g.name)
            missing = [f for f in kind_of(g.kind).requires if getattr(g, f) in (None, "", [], {})]
            if missing:
                raise ValueError(f"generators[{i}] ({g.name}): kind {g.kind!r} needs a value for {' and '.join(missing)}")
        return self

    # ----- loading -----------------------------------------------------------------------------

    @classmethod
    def from_yaml(cls, path: str | Path) -> ExperimentConfig:
        """Load and validate a YAML config; errors name the file, field and line."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise HarnessError("config file not found", path=p) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise HarnessError(f"cannot read config: {exc}", path=p) from None
        return cls.from_text(text, source=str(p))

    @classmethod
    def from_text(cls, text: str, source: str = "<config>") -> ExperimentConfig:
        """Validate a YAML text (source names it in errors)."""
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
        return cls.from_dict(data, source=source, text=text)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<config>", text: str | None = None) -> ExperimentConfig:
        """Validate a mapping (the Python API's entry point)."""
        try:
            cfg = cls.model_validate(dict(data), context={"source": source, "text": text})
        except ValidationError as exc:
            err = pydantic_errors(exc, source, text)
            m = _MODEL_LOC.match(err.message) if err.field is None else None
            if m:  # a cross-field check ("generators[1].name 'a' is used twice"): name the item and its line
                err.field = m.group(1) + f"[{m.group(2)}]" + (f".{m.group(3)}" if m.group(3) else "")
                err.line = _yaml_item_line(text, m.group(1), int(m.group(2))) if text else None
            elif text:  # the exact node (generators[1].kind, not the first `kind:` of the file)
                err.line = _yaml_loc_line(text, exc.errors()[0].get("loc", ())) or err.line
            if err.line is None and text:
                err.line = _line_of_loc(text, exc.errors()[0].get("loc", ()))
            _name_legacy_key(err, data, text)
            raise HarnessError(err.message, path=err.path, field=err.field, line=err.line, hint=err.hint) from None
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
        return HarnessError(message, path=self.source, field=field, line=_line_of_value(self._text, key), hint=hint)

    # ----- expansion ---------------------------------------------------------------------------

    def check_families(self) -> list[str] | None:
        """Check scorer family names against the scorer registry (when it is importable)."""
        if self.scorers.families is None:
            return None
        if not self.scorers.families:
            raise HarnessError("no scorer family listed", path=self.source, field="scorers.families",
                               line=_line_of_loc(self._text, ("families",)) if self._text else None,
                               hint="list families, or leave out 'families' to run them all")
        try:
            from harness.scorers import FAMILIES
        except ImportError:
            return list(self.scorers.families)
        for i, fam in enumerate(self.scorers.families):
            if fam not in FAMILIES:
                raise self._error(f"unknown scorer family {fam!r}", f"scorers.families[{i}]", fam,
                                  hint="known: " + ", ".join(sorted(FAMILIES)))
        return list(self.scorers.families)

    def task_ids(self, known: list[str] | None = None) -> list[str]:
        """Expand task selectors ('all', globs, ids) against the suite, in suite order, without repeats."""
        if known is None:
            from harness.tasks.suite import load_suite

            known = list(load_suite(self.tasks_dir))
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

    def resolved(self, known_tasks: list[str] | None = None) -> ExperimentConfig:
        """A copy with tasks expanded to ids, scorer families listed, and cache_dir made absolute."""
        data = self.model_dump(mode="json", by_alias=True)
        data["tasks"] = self.task_ids(known_tasks)
        fams = self.scorers.families
        if fams is None:
            try:
                from harness.scorers import FAMILIES

                fams = list(FAMILIES)
            except ImportError:
                fams = None
        data["scorers"]["families"] = fams
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


def cache_file(cache_dir: str | Path | None = None) -> Path:
    """The SQLite response cache file: cache_dir, else $HARNESS_CACHE_DIR, else ~/.cache/review-harness."""
    base = cache_dir or os.environ.get("HARNESS_CACHE_DIR") or str(DEFAULT_CACHE_DIR)
    return Path(base).expanduser().resolve() / CACHE_FILE


def load_config(path: str | Path | None = None) -> ExperimentConfig:
    """Load a config file, or the embedded default when path is None."""
    return ExperimentConfig.default() if path is None else ExperimentConfig.from_yaml(path)


def cell_id(task_id: str, generator: str, seed: int) -> str:
    """Deprecated: `harness.cells.Cell(...).key`, the cell key used in every run file."""
    from harness.cells import Cell

    return Cell(task_id=task_id, generator=generator, seed=seed).key


def parse_cell(cell: str) -> tuple[str, str, int]:
    """Deprecated: `harness.cells.Cell.parse(key)`."""
    from harness.cells import Cell

    c = Cell.parse(cell)
    return c.task_id, c.generator, c.seed


def _line_of_loc(text: str, loc: tuple) -> int | None:
    """Line of the deepest key of loc written as `key:` anywhere on a line (flow mappings included)."""
    for key in reversed([k for k in loc if isinstance(k, str)]):
        pat = re.compile(r"(^|[\s{,])[\"']?" + re.escape(key) + r"[\"']?\s*:")
        for i, line in enumerate(text.splitlines(), 1):
            if pat.search(line.split("#", 1)[0]):
                return i
    return None


_MODEL_LOC = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?\W")


def _yaml_item_line(text: str, key: str, index: int) -> int | None:
    """Line of item `index` of the top-level list `key` in a YAML text (None when not findable)."""
    try:
        node = yaml.compose(text)
    except (yaml.YAMLError, RecursionError):
        return None
    for k, v in getattr(node, "value", []) if isinstance(node, yaml.MappingNode) else []:
        if getattr(k, "value", None) == key and isinstance(v, yaml.SequenceNode) and index < len(v.value):
            return v.value[index].start_mark.line + 1
    return None


_TWICE = re.compile(r"^(\w+) and execution\.\1 are both given")


def _name_legacy_key(err: HarnessError, data: Mapping[str, Any], text: str | None) -> None:
    """Errors about an execution key the user wrote at the top level name it as written (and its line)."""
    twice = _TWICE.match(err.message)
    if twice:
        err.field = twice.group(1)
        err.line = _yaml_key_line(text, err.field) if text else None
        return
    head, _, rest = (err.field or "").partition(".")
    key = rest.split(".", 1)[0]
    if head == "execution" and key in _LEGACY_TOP and key in data:  # written at the top level, so named there
        err.field = rest


def _yaml_loc_line(text: str, loc: tuple) -> int | None:
    """Line of the deepest node of a pydantic loc (keys and list indices) found in a YAML text."""
    try:
        node = yaml.compose(text)
    except (yaml.YAMLError, RecursionError):
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            hit = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _yaml_key_line(text: str, key: str) -> int | None:
    """Line of the top-level key `key` in a YAML text (None when not findable)."""
    try:
        node = yaml.compose(text)
    except (yaml.YAMLError, RecursionError):
        return None
    for k, _ in node.value if isinstance(node, yaml.MappingNode) else []:
        if getattr(k, "value", None) == key:
            return k.start_mark.line + 1
    return None


def _line_of_value(text: str | None, value: str | None) -> int | None:
    """Best-effort line of the first YAML line holding value (for errors about list items)."""
    if not text or not value:
        return None
    for i, line in enumerate(text.splitlines(), 1):
        s = line.split("#", 1)[0]
        if re.search(r"(^|[\s\[,:'\"-])" + re.escape(value) + r"($|[\s\],'\"])", s):
            return i
    return None


# ----- secrets --------------------------------------------------------------------------------

_SECRET_NAME = re.compile(r"(^|[_\-.])(api_?key|key|token|secret|password|passwd|auth|authorization)s?($|[_\-.])",
                          re.I)
_KEY_PATTERNS = re.compile(
    r"(sk-[A-Za-z0-9_\-]{16,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_\-]{30,}|hf_[A-Za-z0-9]{20,}"
    r"|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}"
    r"|Bearer\s+[A-Za-z0-9_\-.=]{16,})"
)
# The literal each alternative of _KEY_PATTERNS starts with.
_KEY_HINTS = ("sk-", "sk_", "AIza", "hf_", "gsk_", "xai-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "AKIA", "Bearer")
_SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET", "_SECRET_KEY", "_ACCESS_KEY")
_NOT_SECRET_NAMES = {"max_tokens", "input_tokens", "output_tokens", "tokens", "keys", "key_hash"}


def secret_name(name: str) -> bool:
    """True for field names that hold secrets (api_key, token, client_secret...), not max_tokens etc."""
    n = str(name).lower()
    if n in _NOT_SECRET_NAMES or n.endswith("_tokens"):
        return False
    return bool(_SECRET_NAME.search(n))


def env_secrets(env: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names end in _API_KEY / _TOKEN / _SECRET (longest first)."""
    env = os.environ if env is None else env
    vals = {v for k, v in env.items() if k.upper().endswith(_SECRET_ENV_SUFFIXES) and v and len(v) >= 6}
    return sorted(vals, key=len, reverse=True)


_MIN_SECRET_LEN = 6  # shorter values would redact ordinary words; no real key is that short
_REGISTERED: set[str] = set()


def secret_values(obj: Any) -> list[str]:
    """String values found under secret-named fields of a config (nested mappings and lists walked)."""
    out: list[str] = []

    def leaves(v: Any) -> None:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, Mapping):
            for x in v.values():
                leaves(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                leaves(x)

    def walk(v: Any) -> None:
        if isinstance(v, Mapping):
            for k, x in v.items():
                (leaves if secret_name(k) else walk)(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(obj)
    return [v for v in dict.fromkeys(out) if len(v) >= _MIN_SECRET_LEN]


def register_secrets(values: Any) -> None:
    """Remember secret values (e.g. a config's api_key) so redact_text removes them from everything written."""
    for v in values:
        if isinstance(v, str) and len(v) >= _MIN_SECRET_LEN:
            _REGISTERED.add(v)


def known_secrets(env_values: list[str] | None = None) -> list[str]:
    """Registered secrets plus secret env values (env_values: a snapshot of them), longest first."""
    env = env_secrets() if env_values is None else env_values
    return sorted(set(env) | _REGISTERED, key=len, reverse=True)


def redact_text(text: str, secrets: list[str] | None = None) -> str:
    """Replace API-key-looking substrings, registered secrets and secret env values in a string by '***'.

    Each secret is also matched in its JSON-escaped form, so text that is already JSON is redacted too.
    """
    if not text:
        return text
    for s in known_secrets() if secrets is None else secrets:
        for form in _forms(s):
            if form in text:
                text = text.replace(form, REDACTED)
    if not any(h in text for h in _KEY_HINTS):  # no pattern can match: skip the regex scan (most lines)
        return text
    return _KEY_PATTERNS.sub(REDACTED, text)


@functools.lru_cache(maxsize=256)
def _forms(secret: str) -> tuple[str, ...]:
    """A secret as written raw and inside JSON strings (escaped, with and without ASCII escapes)."""
    return tuple(dict.fromkeys((secret, json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1])))


def redact(obj: Any, secrets: list[str] | None = None) -> Any:
    """Deep copy of obj with secret-named fields and key-looking values replaced by '***'."""
    secrets = known_secrets() if secrets is None else secrets
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if secret_name(k) and v not in (None, "", [], {}):
                out[k] = REDACTED
            else:
                out[k] = redact(v, secrets)
        return out
    if isinstance(obj, (list, tuple)):
        return [redact(v, secrets) for v in obj]
    if isinstance(obj, str):
        return redact_text(obj, secrets)
    return obj
