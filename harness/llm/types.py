"""What one model call is and what comes back: the request, the reply, the record kept of it, the client protocol,
and a user-set price. Every caller of a model (generators, judges, judge validation) speaks these types."""

from __future__ import annotations

from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import Field

from harness.models import Strict

LOCAL_PREFIX = "local/"  # models served on this machine by harness.llm.local_server: free, routed at call time
LOCAL_MODEL = "local/gemma-3-270m"  # the bundled llama.cpp model (Gemma 3 270M GGUF); the one place it is written


def is_local(model: str | None) -> bool:
    """Whether a model string names the local server's model (priced 0, started on demand)."""
    return bool(model) and model.startswith(LOCAL_PREFIX)


class Price(Strict):
    """User-set USD price per million tokens (for models missing from litellm's map)."""

    input_per_mtok: float = Field(default=0.0, ge=0, description="USD per million input tokens")
    output_per_mtok: float = Field(default=0.0, ge=0, description="USD per million output tokens")


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


@runtime_checkable
class LLMClient(Protocol):
    """Anything that answers an LLMRequest; the runner wraps the litellm client with cache, retries and budget."""

    async def complete(self, request: LLMRequest) -> LLMResponse: ...


__all__ = ["LOCAL_MODEL", "LOCAL_PREFIX", "CallRecord", "LLMClient", "LLMRequest", "LLMResponse", "Price", "is_local"]
