"""The generator plug point: spec, LLM request/response, call records, Generation, and the Generator protocol."""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import (BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, PrivateAttr, ValidationError,
                      field_validator, model_validator)
from pydantic_core import InitErrorDetails

from harness.core.registries import GENERATOR_KINDS, STRATEGIES
from harness.models import Review, Strict, Task

GeneratorKind = str  # a name in the kind registry (harness.core.registries.GENERATOR_KINDS): built-in or plug-in
Strategy = str  # a name in the strategy registry (harness.core.registries.STRATEGIES)
PoolMethod = Literal["all", "topk_bm25", "topk_embedding", "recent"]


class PoolSelection(Strict):
    """Which pool papers a generator is shown: all, top-k by BM25 or embeddings, or the k newest."""

    method: PoolMethod = Field(default="all",
        description="all papers, top k by BM25 or embedding similarity to the topic, or the k newest")
    k: int = Field(default=30, ge=1, description="papers shown when the method takes the top k")


class Price(Strict):
    """User-set USD price per million tokens (for models missing from litellm's map)."""

    input_per_mtok: float = Field(default=0.0, ge=0, description="USD per million input tokens")
    output_per_mtok: float = Field(default=0.0, ge=0, description="USD per million output tokens")


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
        description="litellm model string (kind llm), e.g. openai/gpt-4o-mini or local/gemma-3-270m")
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


class LLMRequest(Strict):
    """One LLM call: chat messages or a completion prompt, and the parameters that change the output."""

    model: str
    stage: str
    mode: Literal["chat", "completion"] = "chat"
    messages: list[dict[str, str]] | None = None
    prompt: str | None = None
    max_tokens: int = 1024
    temperature: float = 0.0
    seed: int | None = None
    stop: list[str] | None = None
    api_base: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    template: str | None = None
    template_hash: str | None = None


class LLMResponse(Strict):
    """What came back from one call (text may be empty; finish_reason 'length' means cut at max_tokens)."""

    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    finish_reason: str | None = None
    cost_usd: float | None = None
    cost_source: str | None = None
    latency_s: float | None = None
    cached: bool = False
    model: str | None = None


class CallRecord(Strict):
    """What the harness records for one call: hashes, usage, timing, outcome."""

    stage: str
    model: str
    prompt_hash: str
    template: str | None = None
    template_hash: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    max_tokens: int | None = None
    cost_usd: float | None = None
    cost_source: str | None = None
    latency_s: float | None = None
    finish_reason: str | None = None
    cached: bool = False
    attempts: int = 1
    error: str | None = None


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
class LLMClient(Protocol):
    """Anything that answers an LLMRequest; the runner wraps the litellm client with cache, retries and budget."""

    async def complete(self, request: LLMRequest) -> LLMResponse: ...


@runtime_checkable
class Generator(Protocol):
    """Turns a task and a seed into a Generation; LLM generators call through the given client."""

    spec: GeneratorSpec

    async def generate(self, task: Task, seed: int, client: LLMClient | None) -> Generation: ...
