"""The budget as a ceiling: a call starts only when its worst case fits what is left, counting calls in flight.

A call's worst case is its prompt tokens plus max_tokens output tokens, priced by the same rule as the reply
(harness.llm.pricing). A model with no known price cannot be bounded, so a run with `budget_usd` refuses
it up front unless the generator sets `price:` or the run says `execution.allow_unpriced: true`.
"""

from __future__ import annotations

import logging
from typing import Any

from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.generators.base import LLMRequest, Price
from harness.llm.pricing import LOCAL_PREFIX, call_cost, in_price_map

log = logging.getLogger("harness.runner")

__all__ = ["Ceiling", "check_priced", "worst_case_usd"]


def worst_case_usd(request: LLMRequest, price: Price | None) -> float | None:
    """USD of the request if the reply runs to max_tokens; None when the model has no known price."""
    from harness.runner.estimate import count_prompt_tokens

    local = request.model.startswith(LOCAL_PREFIX)
    if not local and not in_price_map(request.model) and price is None:
        return None
    usd, _ = call_cost(request.model, price, count_prompt_tokens(request), request.max_tokens, local=local)
    return usd


def _judge_models(config: ExperimentConfig) -> list[tuple[str, str]]:
    """(field, model) of every LLM judge the run's scorers may call."""
    out = []
    if config.scorers.judge_model and (config.scorers.families is None or "judge" in config.scorers.families):
        out.append(("scorers.judge_model", config.scorers.judge_model))
    support = getattr(config.scorers, "support", None)
    if support is not None and support.method == "llm":
        models = support.model or config.scorers.judge_model
        out += [("scorers.support.model", m) for m in ([models] if isinstance(models, str) else models or [])]
    return out


def check_priced(config: ExperimentConfig) -> None:
    """With budget_usd set, every model the run calls must have a price (or allow_unpriced); HarnessError names it."""
    from harness.generators import calls_provider

    ex = config.execution
    if ex.budget_usd is None or ex.allow_unpriced:
        return
    hint = "set its price: {input_per_mtok, output_per_mtok}, or execution.allow_unpriced: true to run it unbounded"
    for i, spec in enumerate(config.generators):
        model = spec.model or ""
        if calls_provider(spec) and not model.startswith(LOCAL_PREFIX) and spec.price is None \
                and not in_price_map(model):
            raise HarnessError(f"budget_usd is set but model {model!r} has no known price, so the budget cannot bound "
                               "its calls", path=config.source, field=f"generators[{i}].price", hint=hint)
    for field, model in _judge_models(config):
        if not model.startswith(LOCAL_PREFIX) and not in_price_map(model):
            raise HarnessError(f"budget_usd is set but judge model {model!r} has no known price, so the budget cannot "
                               "bound its calls", path=config.source, field=field,
                               hint="use a priced judge, or execution.allow_unpriced: true to run it unbounded")


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
        self.in_flight_usd = max(0.0, self.in_flight_usd - reserved)


def price_of(client: Any) -> Price | None:
    """The user-set price a provider client carries (LiteLLMClient.price), if any."""
    price = getattr(client, "price", None)
    return price if isinstance(price, Price) else None
