"""A run's budget check before it starts: with `budget_usd`, every model the run calls must have a known price.

The ceiling that holds each call to the budget while the run goes is harness.llm.budget.Ceiling. A model with no
known price cannot be bounded, so a run with `budget_usd` refuses it up front unless the generator sets `price:`
or the run says `execution.allow_unpriced: true`.
"""

from __future__ import annotations

from harness.config import ExperimentConfig
from harness.core.errors import HarnessError
from harness.generators import calls_provider
from harness.llm.pricing import is_priced

__all__ = ["check_priced"]


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
    ex = config.execution
    if ex.budget_usd is None or ex.allow_unpriced:
        return
    hint = "set its price: {input_per_mtok, output_per_mtok}, or execution.allow_unpriced: true to run it unbounded"
    for i, spec in enumerate(config.generators):
        model = spec.model or ""
        if calls_provider(spec) and not is_priced(model, spec.price):
            raise HarnessError(f"budget_usd is set but model {model!r} has no known price, so the budget cannot bound "
                               "its calls", path=config.source, field=f"generators[{i}].price", hint=hint)
    for field, model in _judge_models(config):
        if not is_priced(model):
            raise HarnessError(f"budget_usd is set but judge model {model!r} has no known price, so the budget cannot "
                               "bound its calls", path=config.source, field=field,
                               hint="use a priced judge, or execution.allow_unpriced: true to run it unbounded")
