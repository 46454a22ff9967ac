"""Tokens, cost and latency from a review's recorded usage (priced with litellm's bundled map when needed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.llm.pricing import map_cost
from harness.models import Review, Score, Task, Usage
from harness.papers.resolve import ResolvedReview
from harness.scorers.family import Direction, scorer_family

if TYPE_CHECKING:
    from harness.scorers import ScoringContext

SCORES: dict[str, Direction] = {"cost.usd": "lower", "cost.input_tokens": "lower", "cost.output_tokens": "lower",
                                "cost.latency_s": "lower"}
NAMES = list(SCORES)
ABOUT = {  # one line per score: what it measures (rendered into docs/metrics.md)
    "cost.usd": "generation cost in USD (litellm's price map or the config's price); not_applicable when unknown",
    "cost.input_tokens": "input tokens over every stage of the generation",
    "cost.output_tokens": "output tokens over every stage of the generation",
    "cost.latency_s": "wall time of the generation as recorded (else the sum of its stages')",
}
_LOCAL_PREFIXES = ("local/", "ollama/", "ollama_chat/", "llamacpp/", "llama.cpp/", "hosted_vllm/", "lm_studio/")


def is_local_model(model: str | None, api_base: str | None = None) -> bool:
    """A model served on this machine (no price): 'local/...' style names or an API base on localhost."""
    if model and model.lower().startswith(_LOCAL_PREFIXES):
        return True
    return bool(api_base) and any(h in api_base for h in ("localhost", "127.0.0.1", "0.0.0.0", "[::1]"))


def _total(usage: Usage, field: str) -> int | None:
    top = getattr(usage, field)
    if top is not None:
        return top
    vals = [getattr(s, field) for s in usage.stages]
    if vals and all(v is not None for v in vals):
        return int(sum(vals))
    return None


def litellm_price(model: str, input_tokens: int, output_tokens: int) -> float | None:
    """USD from litellm's bundled cost map (harness.llm.pricing); None when unknown."""
    return map_cost(model, input_tokens, output_tokens)


@scorer_family("cost", scores=SCORES, about=ABOUT, light=True, review_only=True)
def score_cost(resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
    """Tokens, USD and latency from the review's recorded usage; not_applicable when it has none."""
    review: Review = resolved.review
    usage = review.usage
    if usage is None:
        return [Score.na(n, "the review carries no usage record") for n in NAMES]
    tin, tout = _total(usage, "input_tokens"), _total(usage, "output_tokens")
    out = []
    for name, val, what in (("cost.input_tokens", tin, "input"), ("cost.output_tokens", tout, "output")):
        if val is None:
            out.append(Score.na(name, f"{what} tokens not recorded"))
        else:
            out.append(Score.ok(name, val, f"{val} {what} tokens over {len(usage.stages) or 1} stage(s)",
                                stages={s.name: getattr(s, f"{what}_tokens") for s in usage.stages}))
    out.insert(0, _usd(usage, tin, tout, getattr(ctx, "api_base", None)))
    lat = usage.latency_s
    if lat is None and usage.stages and all(s.latency_s is not None for s in usage.stages):
        lat = sum(s.latency_s for s in usage.stages)  # type: ignore[misc]
    out.append(Score.ok("cost.latency_s", lat, f"{lat:.2f} s wall time recorded") if lat is not None
               else Score.na("cost.latency_s", "latency not recorded"))
    return out


def _usd(usage: Usage, tin: int | None, tout: int | None, api_base: str | None) -> Score:
    name = "cost.usd"
    if "unknown" in (usage.cost_source or "").split("+"):  # a 0 recorded for an unpriced model is not a price
        return Score.na(name, f"price unknown: {usage.model!r} is not in litellm's bundled cost map and no price "
                        f"was set in the config (tokens: {tin} in, {tout} out)", source=usage.cost_source)
    if usage.cost_usd is not None:
        src = usage.cost_source or "recorded"
        return Score.ok(name, usage.cost_usd, f"${usage.cost_usd:.6f} as recorded ({src})", source=src)
    stage_costs = [s.cost_usd for s in usage.stages]
    if stage_costs and all(c is not None for c in stage_costs):
        total = float(sum(stage_costs))  # type: ignore[arg-type]
        return Score.ok(name, total, f"${total:.6f}: sum of recorded stage costs", source="stages")
    if is_local_model(usage.model, api_base):
        return Score.ok(name, 0.0, f"local model {usage.model!r}: no price, cost 0", source="local")
    if not usage.model:
        return Score.na(name, "price unknown: no cost recorded and no model name to price the tokens")
    if tin is None or tout is None:
        return Score.na(name, f"price unknown: token counts missing for {usage.model!r}")
    price = litellm_price(usage.model, tin, tout)
    if price is None:
        return Score.na(name, f"price unknown: {usage.model!r} is not in litellm's bundled cost map")
    return Score.ok(name, price, f"${price:.6f}: {tin} in + {tout} out tokens priced with litellm's bundled map "
                    f"for {usage.model!r}", source="litellm")
