"""A generator kind and a prompting strategy from outside the harness.

- kind `lead_sentences` (offline, calls no provider): the first sentence of each shown paper's abstract, cited
  as [n], under a reference list of the shown papers. Its own typed option `sentences` (written at the top level
  of the generator entry, `sentences: 2`) takes that many sentences of each abstract instead.
- strategy `brief` (for kind llm): zero_shot's prompt asking for half the task's word target.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field

from harness.generators import generator_kind
from harness.generators.base import Generation, GeneratorSpec, LLMClient
from harness.generators.pool_select import derive_seed, select_pool
from harness.generators.prompting import reference_list
from harness.generators.recording import CallLog
from harness.generators.strategies import (COMPLETION_STOP, Draft, StrategyRun, assemble_completion,
                                           finish_generation, strategy, title_of)
from harness.models import Task
from harness.core.text import split_sentences


class LeadOptions(BaseModel):
    """lead_sentences' own options: a config writes them beside name and kind (`sentences: 2`)."""

    model_config = ConfigDict(extra="forbid")

    sentences: int = Field(default=1, ge=1, le=10)  # abstract sentences per shown paper


@generator_kind("lead_sentences", calls_provider=False, options=LeadOptions)
class LeadSentences:
    """The first abstract sentence(s) of each of the first k shown papers, each paper cited [n]."""

    def __init__(self, spec: GeneratorSpec):
        self.spec = spec
        self.options: LeadOptions = spec.options  # typed: the config's value checked by LeadOptions

    async def generate(self, task: Task, seed: int, client: LLMClient | None = None) -> Generation:
        start = time.perf_counter()
        papers = select_pool(task, self.spec.pool, derive_seed(task.id, self.spec.name, seed))[: self.spec.k]
        lead = [" ".join((split_sentences(p.abstract or "") or [p.title])[: self.options.sentences]) for p in papers]
        lines = [f"{text.rstrip('.')} [{n}]." for n, text in enumerate(lead, 1)]
        markdown = f"# {title_of(task.topic)}\n\n## 1 Findings\n\n{' '.join(lines)}\n"
        if papers:
            markdown += f"\n## References\n\n{reference_list(papers)}\n"
        gen = Generation(task_id=task.id, generator=self.spec.name, seed=seed)
        return finish_generation(gen, Draft(markdown), task, CallLog(model=""), time.perf_counter() - start, papers)


@strategy("brief")
async def brief(run: StrategyRun) -> Draft:
    """brief: one zero_shot call asking for half the task's word target (a cheap first pass)."""
    lo, hi = run.words
    stop = COMPLETION_STOP if run.mode == "completion" else None
    text = await run.call("write", "zero_shot", run.max_tokens("write", run.default_write_tokens() // 2), stop,
                          pool=run.pool_text(), words_min=lo // 2, words_max=hi // 2)
    if run.mode == "completion":
        return Draft(assemble_completion(run.title, "## 1 Introduction", text, run.papers))
    return Draft(text)
