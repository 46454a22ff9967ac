"""RunClient: the client every cached model call goes through (a run's generators and judges, judge validation):
the response cache, per-model and global concurrency, a per-call timeout, retries with backoff, the budget
ceiling and the counters a run's manifest shows.

Settings come in as objects with the config's shape (harness.config.Concurrency / Retries satisfy the protocols
below); secrets are redacted from error messages (harness.core.secrets, or the `redact` function passed in).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping, Protocol, TypeVar

from harness.core.secrets import redact_text
from harness.llm.budget import Ceiling, price_of
from harness.llm.cache import ResponseCache, cacheable, request_key
from harness.llm.client import ProviderError, classify as provider_kind
from harness.llm.types import LLMClient, LLMRequest, LLMResponse

T = TypeVar("T")
log = logging.getLogger("harness.runner")

# How long a finished reply's bookkeeping waits while a call it freed a slot for is prepared and sent
# (RunClient._hand_off): litellm took 5-11 ms to build and send a request on a 2-core VM (httpx send stamps,
# docs/benchmarks.md, fourth pass), so five GIL switch intervals (25 ms) cover a slow CPU with margin.
HAND_OFF_S = 5 * sys.getswitchinterval()
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
_RETRY_NAMES = ("Timeout", "APIConnectionError", "ConnectionError", "RateLimit", "ServiceUnavailable",
                "InternalServerError", "BadGateway", "ServerDisconnected", "RemoteProtocolError", "ReadError")


class ConcurrencyLimits(Protocol):
    """How many calls may be in flight: overall (global_) and per model."""

    global_: int
    per_model: Mapping[str, int]

    def for_model(self, model: str) -> int: ...


class RetryPolicy(Protocol):
    """Retry policy: attempts in all, and the exponential backoff's base and largest delay."""

    max_attempts: int
    base_delay_s: float
    max_delay_s: float


class BudgetExceeded(Exception):
    """Raised instead of a new provider call once spend has reached budget_usd."""


def call_failed(exc: BaseException, message: str, attempts: int, model: str) -> Exception:
    """The ProviderError a generator sees for a call that failed for good (with .attempts, cause kept)."""
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        base = ProviderError("timeout", message, model=model)
    else:
        try:
            base = provider_kind(exc, model)
        except Exception:  # noqa: BLE001 - classification must never mask the failure
            base = ProviderError("other", message, model=model)
    err = ProviderError(base.kind, message, status=base.status, retry_after=base.retry_after, model=model)
    err.attempts = attempts  # type: ignore[attr-defined]
    return err


async def within(awaitable: Awaitable[T], timeout_s: float | None) -> T:
    """The awaitable's result, or TimeoutError after timeout_s; awaited in the caller's own task on Python 3.11+
    (wait_for's extra task puts whatever the loop queued meanwhile before the caller, ~2 ms a call)."""
    if sys.version_info < (3, 11):
        return await asyncio.wait_for(awaitable, timeout=timeout_s)
    async with asyncio.timeout(timeout_s):
        return await awaitable


@dataclass
class Counters:
    """Run totals shown in the manifest."""

    provider_calls: int = 0
    cache_hits: int = 0
    retries: int = 0
    errors: int = 0
    spend_usd: float = 0.0
    unpriced_calls: int = 0
    judge_calls: int = 0  # stage `judge` (support judge), also counted in the totals above
    judge_cache_hits: int = 0
    judge_input_tokens: int = 0
    judge_output_tokens: int = 0
    judge_spend_usd: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        d = dict(vars(self))  # every field is a number: no deep copy needed (asdict's cost, twice a cell)
        d["spend_usd"] = round(d["spend_usd"], 10)
        d["judge_spend_usd"] = round(d["judge_spend_usd"], 10)
        return d

    def add(self, other: dict[str, Any]) -> None:
        for k, v in other.items():
            if hasattr(self, k):
                setattr(self, k, getattr(self, k) + v)


@dataclass
class CallOutcome:
    """What happened to one call of a cell (the runner copies attempts into the Generation's CallRecords)."""

    stage: str
    attempts: int
    cached: bool
    error: str | None = None
    retry_waits: list[float] = field(default_factory=list)
    kept: bool = True  # False: the reply was not cacheable (empty), so neither is the cell it belongs to


def classify(exc: BaseException) -> tuple[bool, float | None, str]:
    """(retryable, retry_after seconds or None, short reason) for an exception raised by a provider call."""
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return True, None, "timeout"
    flag = getattr(exc, "retryable", None)
    status = _status_of(exc)
    retry_after = _retry_after_of(exc)
    name = type(exc).__name__
    reason = f"{name}" + (f" (HTTP {status})" if status else "")
    if isinstance(flag, bool):
        return flag, retry_after, reason
    if status is not None:
        return (status in _RETRY_STATUS or status >= 500), retry_after, reason
    names = [c.__name__ for c in type(exc).__mro__]
    if any(key in n for n in names for key in _RETRY_NAMES):
        return True, retry_after, reason
    if isinstance(exc, (ConnectionError, OSError)):
        return True, retry_after, reason
    return False, retry_after, reason


def _status_of(exc: BaseException) -> int | None:
    for obj in (exc, getattr(exc, "response", None)):
        for attr in ("status_code", "status"):
            s = getattr(obj, attr, None) if obj is not None else None
            if isinstance(s, int) and s > 0:
                return s
    return None


def _retry_after_of(exc: BaseException) -> float | None:
    """Retry-After from the exception (attribute, response headers, or litellm's copied headers)."""
    ra = getattr(exc, "retry_after", None)
    if isinstance(ra, (int, float)) and ra >= 0:
        return float(ra)
    header_sets = []
    resp = getattr(exc, "response", None)
    if resp is not None:
        header_sets.append(getattr(resp, "headers", None))
    header_sets.append(getattr(exc, "litellm_response_headers", None))
    header_sets.append(getattr(exc, "headers", None))
    for headers in header_sets:
        if not headers:
            continue
        try:
            value = headers.get("retry-after") or headers.get("Retry-After")
        except Exception:
            continue
        if value is not None:
            return parse_retry_after(str(value))
    return None


def parse_retry_after(value: str) -> float | None:
    """Seconds from a Retry-After header: a number or an HTTP date."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class RunClient:
    """Wraps the provider client for a whole run; one instance shared by every cell."""

    def __init__(self, inner: LLMClient, *, cache: ResponseCache | None, concurrency: ConcurrencyLimits,
                 retries: RetryPolicy, timeout_s: float, budget_usd: float | None = None,
                 redact: Callable[[str], str] = redact_text, seed: int | None = None, prior_spend_usd: float = 0.0,
                 on_usage: Callable[[dict[str, Any]], None] | None = None, allow_unpriced: bool = False):
        """redact: removes secrets from provider error messages (default: every secret harness.core.secrets knows);
        prior_spend_usd: what earlier sessions of the run spent (counts against budget_usd);
        on_usage: called with counter deltas as they happen (the runner appends them to usage.jsonl);
        allow_unpriced: with a budget, still call models with no known price (uncounted) instead of refusing."""
        self.redact = redact
        self.inner = inner
        self.cache = cache
        self.concurrency = concurrency
        self.retries = retries
        self.timeout_s = timeout_s
        self.budget_usd = budget_usd
        self.counters = Counters()
        self.prior_spend_usd = prior_spend_usd
        self.on_usage = on_usage
        self.budget_hit = False
        self.ceiling = Ceiling(budget_usd, allow_unpriced)
        self._global = asyncio.Semaphore(concurrency.global_)
        self._per_model: dict[str, asyncio.Semaphore] = {}
        self._waiting: dict[str, int] = {}  # model -> calls waiting for that model's slot (see _hand_off)
        self._waiting_global = 0  # calls holding their model's slot, waiting for a global one
        self._rng = random.Random(seed)

    def for_cell(self, inner: LLMClient | None = None) -> CellClient:
        """A per-cell view (optionally with its generator's own provider client) that records call outcomes."""
        return CellClient(self, inner)

    def _model_sem(self, model: str) -> asyncio.Semaphore:
        sem = self._per_model.get(model)
        if sem is None:
            sem = self._per_model[model] = asyncio.Semaphore(self.concurrency.for_model(model))
        return sem

    def follow_slots(self, model: str, slots: int) -> None:
        """Calls to a local server in flight at once = its slots (decoded together), unless per_model sets them."""
        if model not in self.concurrency.per_model and model not in self._per_model:
            self._per_model[model] = asyncio.Semaphore(min(slots, self.concurrency.global_))

    @property
    def run_spend_usd(self) -> float:
        """Spend of the whole run so far: earlier sessions plus this one."""
        return self.prior_spend_usd + self.counters.spend_usd

    def _count(self, **delta: Any) -> None:
        """Add to the session counters and report the delta (persisted as it happens, so a kill loses nothing)."""
        self.counters.add(delta)
        if self.on_usage is not None:
            self.on_usage(delta)

    def count_judge(self, resp: LLMResponse) -> None:
        """Count a judge's reply as stage `judge` too (a cache hit, or a call with its tokens and spend)."""
        if resp.cached:
            self._count(judge_cache_hits=1)
        else:
            self._count(judge_calls=1, judge_input_tokens=resp.input_tokens or 0,
                        judge_output_tokens=resp.output_tokens or 0, judge_spend_usd=resp.cost_usd or 0.0)

    def _check_budget(self) -> None:
        """Refuse a new call once the budget is spent or a call's worst case no longer fitted (sticky)."""
        spent = self.run_spend_usd
        if self.budget_usd is not None and (self.budget_hit or spent >= self.budget_usd):
            self._refuse(f"spent ${spent:.4f}")

    def _refuse(self, why: str) -> None:
        """Stop new provider calls for the rest of the session: the budget cannot cover them."""
        if not self.budget_hit:
            log.warning("budget reached: %s of budget_usd $%.4f; no new provider calls", why, self.budget_usd)
        self.budget_hit = True
        raise BudgetExceeded(f"budget_usd ${self.budget_usd:.4f} reached ({why}); no new provider calls")

    def _reserve(self, request: LLMRequest, inner: LLMClient | None) -> float:
        """Reserve the call's worst case against the budget (a ceiling, calls in flight included), or refuse it."""
        ok, reserved, why = self.ceiling.admit(request, price_of(inner or self.inner), self.run_spend_usd)
        if not ok:
            self._refuse(why)
        return reserved

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter for the given (1-based) failed attempt."""
        r = self.retries
        raw = min(r.max_delay_s, r.base_delay_s * (2 ** (attempt - 1)))
        return raw * (0.5 + 0.5 * self._rng.random())

    async def _slots(self, model: str) -> asyncio.Semaphore:
        """Take the model's slot, then a global one, counted as waiting meanwhile (_hand_off); the model's
        semaphore, to release after the global one."""
        sem = self._model_sem(model)
        self._waiting[model] = self._waiting.get(model, 0) + 1
        try:
            await sem.acquire()
        finally:
            self._waiting[model] -= 1
        self._waiting_global += 1
        try:
            await self._global.acquire()
        except BaseException:
            sem.release()
            raise
        finally:
            self._waiting_global -= 1
        return sem

    async def _attempt(self, request: LLMRequest, inner: LLMClient | None) -> LLMResponse:
        """One provider call inside the limits, its worst case reserved against the budget while it runs."""
        sem = await self._slots(request.model)
        try:
            self._check_budget()
            reserved = self._reserve(request, inner)
            self._count(provider_calls=1)
            try:
                return await within((inner or self.inner).complete(request), self.timeout_s)
            finally:
                self.ceiling.release(reserved)
        finally:
            self._global.release()
            sem.release()

    async def _hand_off(self, model: str) -> None:
        """Let a call that waited for the slot this reply freed send its request before the reply is stored.

        litellm prepares a request in a worker thread, then sends it from the loop; this task's bookkeeping
        (cache, parsing, scoring, store) would hold the GIL and the loop meanwhile, and the request would leave
        milliseconds late. So while a call waits for this model's slot or for a global one, the loop idles
        HAND_OFF_S first; a call waiting for another model's slot gains nothing from it. Else it only yields."""
        await asyncio.sleep(HAND_OFF_S if self._waiting.get(model) or self._waiting_global else 0)

    async def complete(self, request: LLMRequest, outcomes: list[CallOutcome] | None = None,
                       inner: LLMClient | None = None) -> LLMResponse:
        """Answer from cache, else call the provider with limits, timeout, retries; record the outcome."""
        key = request_key(request) if self.cache is not None else None
        hit = self.cache.get(key) if key is not None else None
        if hit is not None:
            self._count(cache_hits=1)
            if outcomes is not None:
                outcomes.append(CallOutcome(request.stage, 0, True))
            return hit
        waits: list[float] = []
        attempt = 0
        while True:
            self._check_budget()
            attempt += 1
            try:
                t0 = time.perf_counter()
                resp = await self._attempt(request, inner)
                break
            except BudgetExceeded:
                raise
            except Exception as exc:  # noqa: BLE001 - provider errors of every kind are classified here
                retryable, retry_after, reason = classify(exc)
                delay = max(self.backoff(attempt), retry_after or 0.0)
                if retryable and attempt < self.retries.max_attempts and (retry_after or 0) <= self.retries.max_delay_s:
                    waits.append(delay)
                    await self._wait(request, attempt, delay, retry_after, reason)
                    continue
                msg = self._give_up(exc, attempt, retryable, retry_after)
                if outcomes is not None:
                    outcomes.append(CallOutcome(request.stage, attempt, False, msg, waits))
                raise call_failed(exc, msg, attempt, request.model) from exc
        if resp.latency_s is None:
            resp = resp.model_copy(update={"latency_s": time.perf_counter() - t0})
        self._spend(resp)  # counted before any other call is admitted against the budget (no await since the call)
        await self._hand_off(request.model)  # a call waiting for the freed slot is sent before this is stored
        kept = self._keep(key, request, resp)
        if outcomes is not None:
            outcomes.append(CallOutcome(request.stage, attempt, False, None, waits, kept=kept))
        return resp

    async def _wait(self, request: LLMRequest, attempt: int, delay: float, retry_after: float | None,
                    reason: str) -> None:
        """Count a retry, say why, and sleep the backoff before the next attempt."""
        self._count(retries=1)
        log.info("retry %d/%d for %s (%s) in %.2fs%s: %s", attempt, self.retries.max_attempts - 1,
                 request.model, request.stage, delay,
                 f" (Retry-After {retry_after:g}s)" if retry_after is not None else "", reason)
        await asyncio.sleep(delay)

    def _give_up(self, exc: BaseException, attempt: int, retryable: bool, retry_after: float | None) -> str:
        """Count a call that failed for good; its message (secrets redacted) with why it was not retried."""
        if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
            detail = f"no answer within timeout_s={self.timeout_s:g}"
        elif type(exc).__name__ == "ProviderError":  # ours, or a plug-in client's of that name
            detail = self.redact(str(getattr(exc, "message", exc)))[:500]
        else:
            detail = f"{type(exc).__name__}: " + self.redact(str(exc))[:500]
        self._count(errors=1)
        why = "not retryable" if not retryable else (
            f"Retry-After {retry_after:g}s exceeds retries.max_delay_s" if (retry_after or 0)
            > self.retries.max_delay_s else f"gave up after {attempt} attempts")
        return f"{detail} [{why}]"

    def _spend(self, resp: LLMResponse) -> None:
        """Count a reply's spend (or that it had no price)."""
        if resp.cost_usd is None or resp.cost_source == "unknown":  # litellm's client prices these 0, "unknown"
            self._count(unpriced_calls=1)
        else:
            self._count(spend_usd=resp.cost_usd)

    def _keep(self, key: str | None, request: LLMRequest, resp: LLMResponse) -> bool:
        """Store the reply in the cache; False when it was not cacheable (empty)."""
        return self.cache.put(key, request, resp) if key is not None else cacheable(resp)


class CellClient:
    """The LLMClient a generator sees for one cell; delegates to the run client and keeps call outcomes."""

    def __init__(self, run: RunClient, inner: LLMClient | None = None):
        self.run = run
        self.inner = inner
        self.outcomes: list[CallOutcome] = []
        self.budget_blocked = False

    async def complete(self, request: LLMRequest) -> LLMResponse:
        try:
            return await self.run.complete(request, self.outcomes, self.inner)
        except BudgetExceeded:
            self.budget_blocked = True
            raise


__all__ = ["BudgetExceeded", "CallOutcome", "CellClient", "ConcurrencyLimits", "Counters", "RetryPolicy", "RunClient",
           "call_failed", "classify", "parse_retry_after", "within"]
