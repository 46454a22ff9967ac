"""LiteLLMClient: one LLM call through litellm (chat or text completion), with usage, cost and typed errors.

ProviderError is what every failed call raises, classified (`classify`) so callers can decide to retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from typing import Any, Literal

from harness.llm import local_server
from harness.llm.litellm_api import _litellm, close_async_clients, quiet_call
from harness.llm.pricing import call_cost
from harness.llm.types import LOCAL_MODEL, LLMRequest, LLMResponse, Price

ErrorKind = Literal["rate_limit", "server", "timeout", "connection", "bad_response", "auth", "bad_request", "other"]
RETRYABLE: frozenset[str] = frozenset({"rate_limit", "server", "timeout", "connection", "bad_response"})


class ProviderError(Exception):
    """A failed LLM call, classified so the runner can decide to retry (kind, HTTP status, retry-after seconds)."""

    def __init__(self, kind: ErrorKind, message: str, *, status: int | None = None,
                 retry_after: float | None = None, model: str | None = None):
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        self.model = model
        self.message = message
        super().__init__(str(self))

    @property
    def retryable(self) -> bool:
        """Rate limits, 5xx, timeouts, connection errors and malformed replies may succeed on a later try."""
        return self.kind in RETRYABLE

    def __str__(self) -> str:
        status = f" {self.status}" if self.status else ""
        after = f" (retry after {self.retry_after:g}s)" if self.retry_after is not None else ""
        who = f" from {self.model}" if self.model else ""
        return f"{self.kind}{status}{who}: {self.message}{after}"


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header on the provider's response, when there is one."""
    for holder in (getattr(exc, "response", None), exc):
        headers = getattr(holder, "headers", None) or getattr(holder, "litellm_response_headers", None)
        if not headers:
            continue
        try:
            value = headers.get("retry-after") or headers.get("Retry-After")
        except Exception:
            value = None
        if value is not None:
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def _transport_cause(exc: BaseException) -> str | None:
    """'timeout' or 'connection' when a transport failure (no HTTP reply) is in the exception chain."""
    import httpx

    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 10:
        name = type(cur).__name__
        if isinstance(cur, (httpx.TimeoutException, asyncio.TimeoutError, TimeoutError)) or name == "APITimeoutError":
            return "timeout"
        if isinstance(cur, (httpx.ConnectError, httpx.NetworkError, ConnectionError)) or name in (
                "APIConnectionError", "ClientConnectorError", "ServerDisconnectedError"):
            return "connection"
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return None


def _in_chain(exc: BaseException, kind: type[BaseException]) -> bool:
    """True when an exception of `kind` is in exc's cause/context chain (exc included)."""
    cur: BaseException | None = exc
    for _ in range(10):
        if cur is None:
            return False
        if isinstance(cur, kind):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def classify(exc: BaseException, model: str | None = None) -> ProviderError:
    """Map a litellm/openai/httpx exception onto a ProviderError kind (no provider-specific code)."""
    if isinstance(exc, ProviderError):
        return exc
    ll = _litellm()
    ex = ll.exceptions
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    message = str(getattr(exc, "message", None) or exc)[:500]
    transport = _transport_cause(exc)  # litellm reports a refused connection as a 500: look at the cause
    if transport is not None and status not in (429,):
        return ProviderError(transport, message, status=None, model=model)
    if _in_chain(exc, json.JSONDecodeError):  # litellm reports a 200 with a broken JSON body as a 500
        return ProviderError("bad_response", f"reply is not valid JSON: {message}", status=None, model=model)
    if isinstance(exc, ex.RateLimitError) or status == 429:
        return ProviderError("rate_limit", message, status=429, retry_after=_retry_after(exc), model=model)
    if isinstance(exc, (ex.Timeout, asyncio.TimeoutError, TimeoutError)) or status == 408:
        return ProviderError("timeout", message, status=status, model=model)
    if isinstance(exc, ex.APIConnectionError) or isinstance(exc, (ConnectionError, OSError)):
        return ProviderError("connection", message, status=status, model=model)
    if isinstance(exc, (ex.AuthenticationError, ex.PermissionDeniedError)) or status in (401, 403):
        return ProviderError("auth", message, status=status, model=model)
    if isinstance(exc, (ex.InternalServerError, ex.ServiceUnavailableError)) or (status is not None and status >= 500):
        return ProviderError("server", message, status=status, model=model)
    if isinstance(exc, (ex.BadRequestError, ex.NotFoundError, ex.UnprocessableEntityError)) or (
            status is not None and 400 <= status < 500):
        return ProviderError("bad_request", message, status=status, model=model)
    return ProviderError("other", f"{type(exc).__name__}: {message}", status=status, model=model)


class LiteLLMClient:
    """Calls any litellm model string; LOCAL_MODEL goes to the embedded llama.cpp server (started on demand).

    Keys are read from the environment by litellm itself; this class never sees, logs or stores them.
    Errors are raised as ProviderError; the runner adds retries, caching and the budget around this client.
    """

    def __init__(self, price: Price | None = None, timeout_s: float = 600.0, quiet: bool = True):
        """quiet: litellm's logging and callbacks off for these calls (the default; False restores them)."""
        self.price = price
        self.timeout_s = timeout_s
        self.quiet = quiet
        # Import litellm here (seconds on a cold start), never inside a timed call on the event loop.
        self._ll = _litellm()

    async def _route(self, request: LLMRequest) -> tuple[str, dict[str, Any], bool]:
        """The litellm model name and connection kwargs; True when the call goes to the local server."""
        if request.model == LOCAL_MODEL:
            state = await asyncio.to_thread(local_server.ensure_running)
            return f"openai/{local_server.SERVED_NAME}", {"api_base": state.api_base, "api_key": "no-key-local"}, True
        kwargs: dict[str, Any] = {}
        if request.api_base:
            kwargs["api_base"] = request.api_base
            if request.model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
                kwargs["api_key"] = "no-key"  # OpenAI-compatible local servers ignore it; the SDK insists on one
        return request.model, kwargs, False

    async def complete(self, request: LLMRequest) -> LLMResponse:
        """Send one request; return text, usage, finish reason, cost and latency, or raise ProviderError."""
        ll = self._ll
        model, conn, local = await self._route(request)
        params: dict[str, Any] = {
            "model": model,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "timeout": self.timeout_s,
            "drop_params": True,  # e.g. providers without `seed`: drop it rather than fail
            "num_retries": 0,
            "max_retries": 0,
            **conn,
            **request.extra,
        }
        if request.seed is not None:
            params["seed"] = request.seed
        if request.stop:
            params["stop"] = request.stop
        start = time.perf_counter()
        try:
            if request.mode == "completion":
                if request.prompt is None:
                    raise ProviderError("bad_request", "completion mode needs a prompt", model=request.model)
                with (quiet_call() if self.quiet else contextlib.nullcontext()):
                    resp = await ll.atext_completion(prompt=request.prompt, **params)
            else:
                if not request.messages:
                    raise ProviderError("bad_request", "chat mode needs messages", model=request.model)
                with (quiet_call() if self.quiet else contextlib.nullcontext()):
                    resp = await ll.acompletion(messages=request.messages, **params)
        except ProviderError:
            raise
        except Exception as exc:  # every provider failure leaves as a ProviderError
            raise classify(exc, request.model) from exc
        latency = time.perf_counter() - start
        text, finish = self._text_and_finish(resp, request)
        usage = getattr(resp, "usage", None)
        tin = _int_or_none(getattr(usage, "prompt_tokens", None))
        tout = _int_or_none(getattr(usage, "completion_tokens", None))
        cost, source = self._cost(request.model, model, local, tin, tout, _litellm_cost(resp))
        return LLMResponse(text=text, input_tokens=tin, output_tokens=tout, finish_reason=finish,
                           cost_usd=cost, cost_source=source, latency_s=latency,
                           model=getattr(resp, "model", None) or request.model)

    async def aclose(self) -> None:
        """Close litellm's cached HTTP sessions (call once at the end of an event loop, e.g. after asyncio.run)."""
        await close_async_clients()

    @staticmethod
    def _text_and_finish(resp: Any, request: LLMRequest) -> tuple[str, str | None]:
        """Reply text (empty allowed) and finish reason; a reply without choices is a bad_response."""
        choices = getattr(resp, "choices", None)
        if not choices:
            raise ProviderError("bad_response", "reply has no choices", model=request.model)
        choice = choices[0]
        if request.mode == "completion":
            text = getattr(choice, "text", None)
        else:
            message = getattr(choice, "message", None)
            text = getattr(message, "content", None) if message is not None else None
        finish = getattr(choice, "finish_reason", None)
        return (text or ""), (str(finish) if finish is not None else None)

    def _cost(self, requested: str, routed: str, local: bool, tin: int | None, tout: int | None,
              computed: float | None = None) -> tuple[float, str]:
        """Cost and where its price came from: local (0), litellm's map, the user's price, or unknown (0).

        computed: the cost litellm already priced the reply at, used for models its map knows (no second walk of
        the price map per call); whether a model is in the map is looked up once per process.
        """
        return call_cost(routed, self.price, tin, tout, local=local, computed=computed)


def _litellm_cost(resp: Any) -> float | None:
    """The USD cost litellm computed for this reply from its price map (hidden params), when it did."""
    hidden = getattr(resp, "_hidden_params", None)
    value = hidden.get("response_cost") if isinstance(hidden, dict) else getattr(hidden, "response_cost", None)
    return float(value) if isinstance(value, (int, float)) else None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
