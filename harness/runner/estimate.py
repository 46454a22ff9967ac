"""Dry-run budget: per generator, the prompt tokens its calls would send, output tokens at max_tokens, and USD."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel

import harness.generators as generators
from harness.config import ExperimentConfig
from harness.generators import calls_provider
from harness.generators.base import GeneratorSpec
from harness.llm.litellm_api import count_prompt_tokens
from harness.llm.pricing import call_cost
from harness.llm.types import LLMRequest, LLMResponse, is_local
from harness.models import Task
from harness.runner.manifest import price_source
from harness.tasks.suite import load_suite


class GeneratorEstimate(BaseModel):
    """Estimated usage of one generator over all its cells (output tokens are the max_tokens ceiling)."""

    generator: str
    model: str | None
    cells: int
    calls: int
    input_tokens: int
    output_tokens: int
    usd: float | None
    price_source: str


class _RecordingClient:
    """Answers every request with filler as long as max_tokens (an upper bound for chained prompts); calls nothing."""

    def __init__(self) -> None:
        self.requests: list[LLMRequest] = []

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        filler = " ".join(["lorem"] * request.max_tokens)
        return LLMResponse(text=filler, input_tokens=None, output_tokens=request.max_tokens, finish_reason="length",
                           cost_usd=0.0, cost_source="dry-run", model=request.model)


def price_tokens(spec: GeneratorSpec, tin: int, tout: int) -> float | None:
    """USD for the tokens by the client's own rule; None when the model's price is unknown."""
    if not calls_provider(spec):
        return 0.0
    usd, source = call_cost(spec.model or "", spec.price, tin, tout, local=is_local(spec.model))
    return None if source == "unknown" else usd


async def _estimate(config: ExperimentConfig, suite: dict[str, Task], factory: Any) -> list[GeneratorEstimate]:
    resolved = config.resolved(list(suite))
    factory = factory or generators.build_generator
    out = []
    n_seeds = len(resolved.seeds)
    for spec in resolved.generators:
        cells = len(resolved.tasks) * n_seeds
        if not calls_provider(spec):
            out.append(GeneratorEstimate(generator=spec.name, model=spec.model, cells=cells, calls=0,
                                         input_tokens=0, output_tokens=0, usd=0.0, price_source=price_source(spec)))
            continue
        gen = factory(spec)
        calls = tin = tout = 0
        for tid in resolved.tasks:
            for seed in resolved.seeds:
                rec = _RecordingClient()
                await gen.generate(suite[tid], seed, rec)
                calls += len(rec.requests)
                tin += sum(count_prompt_tokens(r) for r in rec.requests)
                tout += sum(r.max_tokens for r in rec.requests)
        out.append(GeneratorEstimate(generator=spec.name, model=spec.model, cells=cells, calls=calls,
                                     input_tokens=tin, output_tokens=tout, usd=price_tokens(spec, tin, tout),
                                     price_source=price_source(spec)))
    return out


def estimate(config: ExperimentConfig, tasks: dict[str, Task] | None = None,
             generator_factory: Any = None) -> list[GeneratorEstimate]:
    """Estimate every generator's tokens and USD without calling any provider."""
    if tasks is None:
        tasks = load_suite(config.tasks_dir)
    return asyncio.run(_estimate(config, tasks, generator_factory))
