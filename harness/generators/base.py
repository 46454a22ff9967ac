"""The generator plug point: spec, Generation and the Generator protocol.

The LLM request/response/call-record/client/price types live in harness.llm.types; they are re-exported here by
name because generator plug-ins import them from this module.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import (BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, PrivateAttr, ValidationError,
                      field_validator, model_validator)
from pydantic_core import InitErrorDetails

from harness.core.registries import GENERATOR_KINDS, STRATEGIES
from harness.llm.types import LOCAL_MODEL, CallRecord, LLMClient, LLMRequest, LLMResponse, Price
from harness.models import Review, Strict, Task

GeneratorKind = str  # a name in the kind registry (harness.core.registries.GENERATOR_KINDS): built-in or plug-in
Strategy = str  # a name in the strategy registry (harness.core.registries.STRATEGIES)
PoolMethod = Literal["all", "topk_bm25", "topk_embedding", "recent"]


class PoolSelection(Strict):
    """Which pool papers a generator is shown: all, top-k by BM25 or embeddings, or the k newest."""

    method: PoolMethod = Field(default="all",
        description="all papers, top k by BM25 or embedding similarity to the topic, or the k newest")
    k: int = Field(default=30, ge=1, description="papers shown when the method takes the top k")


class GeneratorSpec(Strict):
    """One generator of an experiment: what it is and how it is called.

    A kind that declares an options model (`@generator_kind(..., options=Model)`) takes its own fields at the top
    level of the entry (`sentences: 2`), validated and typed by that model and read back as `spec.options`; any
    other field not declared here is an error naming it.
    """

    model_config = ConfigDict(extra="allow")  # only a kind's declared options; checked in _kind_options

    name: str = Field(description="the generator's name in run files and reports (unique in a config)")
    kind: GeneratorKind = Field(
        description="a registered kind: llm, extractive, recent_papers, replay, a negative control or a plug-in's")
    model: str | None = Field(default=None,
        description=f"litellm model string (kind llm), e.g. openai/gpt-4o-mini or {LOCAL_MODEL}")
    strategy: Strategy | None = Field(default=None,
        description="kind llm: zero_shot, plan_then_write, outline_sections, closed_book or a plug-in strategy")
    mode: Literal["chat", "completion"] = Field(default="chat",
        description="chat messages, or a document beginning to continue (completion: base models)")
    pool: PoolSelection = Field(default_factory=PoolSelection,
        description="which of the task's pool papers the generator is shown")
    params: dict[str, Any] = Field(default_factory=dict,
        description="provider parameters (max_tokens, temperature, ...) and kind-specific options")
    api_base: str | None = Field(default=None, description="an OpenAI-compatible server's URL for the model")
    price: Price | None = Field(default=None,
        description="USD per million tokens for a model missing from litellm's price map")
    replay: str | None = Field(default=None,
        description="kind replay: a directory or glob of recorded outputs, mapped to tasks")
    k: int = Field(default=20, ge=1,
        description="extractive and recent_papers: how many pool papers the review is built from")
    _options: BaseModel | None = PrivateAttr(default=None)

    @property
    def options(self) -> BaseModel | None:
        """The kind's typed options, defaults filled in (None when its kind declares no options model)."""
        return self._options

    @model_validator(mode="wrap")
    @classmethod
    def _kind_options(cls, data: Any, handler: ModelWrapValidatorHandler[GeneratorSpec]) -> GeneratorSpec:
        """Fields beyond the spec's own are the kind's options: typed by its options model, else refused."""
        if not isinstance(data, dict):
            return handler(data)
        extra = {k: v for k, v in data.items() if k not in cls.model_fields}
        spec = handler({k: v for k, v in data.items() if k in cls.model_fields})
        model = getattr(GENERATOR_KINDS.get(spec.kind), "options", None)
        unknown = [k for k in extra if model is None or k not in model.model_fields]
        if unknown:  # pydantic's own error for a field nobody declares, at generators[i].<key>
            raise ValidationError.from_exception_data(cls.__name__, [
                InitErrorDetails(type="extra_forbidden", loc=(k,), input=extra[k]) for k in unknown])
        if model is None:
            return spec
        try:
            spec._options = model.model_validate(extra)
        except ValidationError as exc:
            raise ValidationError.from_exception_data(cls.__name__, [
                InitErrorDetails(type=e["type"], loc=e["loc"], input=e["input"], ctx=e.get("ctx", {}))
                for e in exc.errors()]) from None
        spec.__pydantic_extra__ = spec._options.model_dump(mode="json", include=set(extra))  # as written, typed
        return spec

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in GENERATOR_KINDS:
            raise ValueError(f"unknown generator kind {v!r} (known: {', '.join(sorted(GENERATOR_KINDS))}; a "
                             "plug-in's kind needs its module under plugins:)")
        return v

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, v: str | None) -> str | None:
        if v is not None and v not in STRATEGIES:
            raise ValueError(f"unknown strategy {v!r} (known: {', '.join(sorted(STRATEGIES))}; a plug-in's strategy "
                             "needs its module under plugins:)")
        return v


class Generation(Strict):
    """The outcome of one cell (task x generator x seed): the review or the error, with every call recorded."""

    task_id: str
    generator: str
    seed: int
    review: Review | None = None
    calls: list[CallRecord] = Field(default_factory=list)
    prompts: dict[str, str] = Field(default_factory=dict)
    error: str | None = None
    flags: list[str] = Field(default_factory=list)
    latency_s: float | None = None


@runtime_checkable
class Generator(Protocol):
    """Turns a task and a seed into a Generation; LLM generators call through the given client."""

    spec: GeneratorSpec

    async def generate(self, task: Task, seed: int, client: LLMClient | None) -> Generation: ...
