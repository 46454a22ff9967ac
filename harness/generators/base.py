"""The generator plug point: spec, Generation and the Generator protocol.

The LLM request/response/call-record/client/price types live in harness.llm.types; they are re-exported here by
name because generator plug-ins import them from this module.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import Field, field_validator

from harness.llm.types import LOCAL_MODEL, CallRecord, LLMClient, LLMRequest, LLMResponse, Price
from harness.models import Review, Strict, Task

GeneratorKind = str  # a name in the kind registry (harness.generators.kinds()): built-in or from a plug-in
Strategy = str  # a name in the strategy registry (harness.generators.strategies.STRATEGIES)
PoolMethod = Literal["all", "topk_bm25", "topk_embedding", "recent"]


class PoolSelection(Strict):
    """Which pool papers a generator is shown: all, top-k by BM25 or embeddings, or the k newest."""

    method: PoolMethod = Field(default="all",
        description="all papers, top k by BM25 or embedding similarity to the topic, or the k newest")
    k: int = Field(default=30, ge=1, description="papers shown when the method takes the top k")


class GeneratorSpec(Strict):
    """One generator of an experiment: what it is and how it is called."""

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

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        from harness.generators import kinds

        known = kinds()
        if v not in known:
            raise ValueError(f"unknown generator kind {v!r} (known: {', '.join(known)}; a plug-in's kind needs its "
                             "module under plugins:)")
        return v

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, v: str | None) -> str | None:
        from harness.generators import load_builtins
        from harness.generators.strategies import STRATEGIES

        load_builtins()
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
