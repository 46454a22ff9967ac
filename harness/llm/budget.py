"""The budget as a ceiling: a call starts only when its worst case fits what is left, counting calls in flight.

A call's worst case is its prompt tokens plus max_tokens output tokens, priced by the same rule as the reply
(harness.llm.pricing). A model with no known price cannot be bounded: the ceiling refuses it unless told to
allow unpriced models (then its calls are not counted).
"""

from __future__ import annotations

import logging
from typing import Any

from harness.llm.litellm_api import count_prompt_tokens
from harness.llm.pricing import call_cost, is_priced
from harness.llm.types import LLMRequest, Price, is_local

log = logging.getLogger("harness.runner")

__all__ = ["Ceiling", "price_of", "worst_case_usd"]


def worst_case_usd(request: LLMRequest, price: Price | None) -> float | None:
    """USD of the request if the reply runs to max_tokens; None when the model has no known price."""
    if not is_priced(request.model, price):
        return None
    usd, _ = call_cost(request.model, price, count_prompt_tokens(request), request.max_tokens,
                       local=is_local(request.model))
    return usd


class Ceiling:
    """Spend so far plus the worst cases of calls in flight; `admit` reserves a call's worst case or says no."""

    def __init__(self, budget_usd: float | None, allow_unpriced: bool = False):
        self.budget_usd, self.allow_unpriced = budget_usd, allow_unpriced
        self.in_flight_usd = 0.0
        self._warned: set[str] = set()

    def admit(self, request: LLMRequest, price: Price | None, spent_usd: float) -> tuple[bool, float, str]:
        """(start it?, USD reserved, why not): reserve the call's worst case when it fits the budget left."""
        if self.budget_usd is None:
            return True, 0.0, ""
        worst = worst_case_usd(request, price)
        if worst is None:
            if not self.allow_unpriced:
                return False, 0.0, f"model {request.model!r} has no known price, so budget_usd cannot bound it"
            if request.model not in self._warned:
                self._warned.add(request.model)
                log.warning("model %s has no known price: its calls are not counted against budget_usd "
                            "(allow_unpriced)", request.model)
            return True, 0.0, ""
        if spent_usd + self.in_flight_usd + worst > self.budget_usd:
            return False, 0.0, (f"a {request.stage} call of {request.model} may cost up to ${worst:.6f} "
                                f"(max_tokens {request.max_tokens}); spent ${spent_usd:.6f}, "
                                f"${self.in_flight_usd:.6f} in flight")
        self.in_flight_usd += worst
        return True, worst, ""

    def release(self, reserved: float) -> None:
        """Give back a finished call's reservation."""
        self.in_flight_usd = max(0.0, self.in_flight_usd - reserved)


def price_of(client: Any) -> Price | None:
    """The user-set price a provider client carries (LiteLLMClient.price), if any."""
    price = getattr(client, "price", None)
    return price if isinstance(price, Price) else None
