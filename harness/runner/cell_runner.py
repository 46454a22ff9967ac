"""One cell of a run, start to finish: served from the whole-cell cache, or generated (through the run client or
the executor), recorded, remembered for reuse and scored; and the scoring of stored cells a kill left unscored."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from harness.cells import Cell
from harness.config import ExperimentConfig
from harness.core.secrets import redact_text
from harness.generators import calls_provider
from harness.generators.base import Generation, GeneratorSpec
from harness.llm.calls import BudgetExceeded, CallOutcome, CellClient
from harness.models import Task
from harness.runner.executors.base import Executor
from harness.runner.failures import cause_of
from harness.runner.resources import CellResources
from harness.runner.scoring import scoring_context
from harness.runner.store.reader import read_generations
from harness.runner.store.writer import RunStore

log = logging.getLogger("harness.runner")

__all__ = ["CellOutcome", "CellRunner", "score_stored_cells"]


@dataclass(frozen=True)
class CellOutcome:
    """What running one cell came to: run (failed or not; every provider call cached or not), or not run."""

    ran: bool
    failed: bool = False
    cached: bool = False


NOT_RUN = CellOutcome(ran=False)  # the budget was reached before (or while) the cell's calls were made


class CellRunner:
    """Generates, records and scores one cell at a time with a session's resources; the store is written here only."""

    def __init__(self, resources: CellResources, store: RunStore, executor: Executor, tasks: dict[str, Task],
                 families: list[str] | None):
        assert resources.run_client is not None, "prepare the resources first"
        self.res, self.run_client, self.store, self.executor = resources, resources.run_client, store, executor
        self.tasks, self.families = tasks, families

    async def run(self, cell: Cell) -> CellOutcome:
        """The cell's generation stored (a failure as an error record too) and scored; NOT_RUN past the budget."""
        spec = self.res.specs[cell.generator]
        hit = self.res.hits.get(cell)
        if hit is not None:  # costs nothing, so served even once the budget is reached
            return await self._serve_hit(cell, hit)
        if calls_provider(spec) and self.run_client.budget_hit:
            return NOT_RUN
        cc = self.run_client.for_cell(self.res.inners[cell.generator])
        t0 = time.perf_counter()
        gen = await self._generate(cell, spec, cc)
        if cc.budget_blocked:
            log.warning("cell %s not run: budget_usd reached", cell.key)
            return NOT_RUN
        assert gen is not None
        gen = with_outcomes(gen, cc.outcomes, time.perf_counter() - t0)
        failed = await self._record(cell, spec, gen, cc.outcomes)
        no_scores = gen.review is not None and self.families == []
        scores = [] if no_scores else await self.executor.score(gen, self.families, self.res.contexts[cell.generator])
        self.store.append_scores(cell, scores)
        return CellOutcome(ran=True, failed=failed, cached=bool(cc.outcomes) and all(o.cached for o in cc.outcomes))

    async def _generate(self, cell: Cell, spec: GeneratorSpec, cc: CellClient) -> Generation | None:
        """The generator's result; an exception becomes a failed Generation; None when the budget stopped it."""
        generator = self.res.generators[cell.generator]
        try:
            if calls_provider(spec):
                return await generator.generate(self.tasks[cell.task_id], cell.seed, cc)
            # offline generators are CPU-bound (BM25, embeddings): the executor keeps them off the event loop
            return await self.executor.generate_offline(generator, spec, cell.task_id, cell.seed)
        except BudgetExceeded:
            return None
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded for the cell; the run goes on
            return Generation(task_id=cell.task_id, generator=cell.generator, seed=cell.seed,
                              error=f"{type(exc).__name__}: {redact_text(str(exc))[:1000]}")

    async def _record(self, cell: Cell, spec: GeneratorSpec, gen: Generation, outcomes: list[CallOutcome]) -> bool:
        """Append the generation (fsynced before scoring), remember it for reuse, record a failure; True if failed."""
        line = await self.store.append_generation_async(cell, gen)
        if self.res.reuse is not None and all(o.kept for o in outcomes):  # an empty reply is retried next run
            self.res.reuse.remember(spec, self.tasks[cell.task_id], cell.seed, gen, line)
        if gen.review is not None and gen.error is None:
            return False
        calls = [o for o in outcomes if o.error]
        self.store.append_error(cell, gen.error or "no review", stage=calls[-1].stage if calls else None,
                                attempts=calls[-1].attempts if calls else None, model=spec.model or spec.name,
                                cause=cause_of({"error": gen.error}))
        log.warning("cell %s failed: %s", cell.key, gen.error)
        return True

    async def _serve_hit(self, cell: Cell, hit: Any) -> CellOutcome:
        """A cell found whole in the cache: its stored line appended as is, scored only if scores are asked for."""
        await self.store.append_generation_line_async(cell, hit.line)
        self.run_client._count(cache_hits=hit.calls)
        no_scores = self.families is not None and not self.families
        scores = [] if no_scores else await self.executor.score(hit.generation(), self.families,
                                                                self.res.contexts[cell.generator])
        self.store.append_scores(cell, scores)
        return CellOutcome(ran=True, failed=False, cached=hit.calls > 0)  # as for a generated cell: all cached


async def score_stored_cells(cells: list[Cell], store: RunStore, executor: Executor, config: ExperimentConfig,
                             contexts: dict[str, Any] | None = None) -> int:
    """Score the stored cells whose latest generation has no scores line (a kill between the two appends) with
    each generator's context (a judge among them calls through the run client, inside the budget); no generation.
    Returns how many were scored."""
    done, scored = store.completed_cells(), store.scored_cells()
    todo = [c for c in cells if c in done and c not in scored]
    if not todo:
        return 0
    stored = read_generations(store.dir)
    specs = {g.name: g for g in config.generators}
    for cell in todo:
        gen = stored[cell]
        ctx = (contexts or {}).get(gen.generator) or scoring_context(config, specs.get(gen.generator))
        store.append_scores(cell, await executor.score(gen, config.scorers.families, ctx))
    log.info("scored %d stored cells that had no scores", len(todo))
    return len(todo)


def with_outcomes(gen: Generation, outcomes: list[CallOutcome], wall_s: float) -> Generation:
    """Copy attempts / cached flags the runner saw into the generation's call records (same order)."""
    update: dict[str, Any] = {}
    if gen.latency_s is None:
        update["latency_s"] = wall_s
    if outcomes and len(outcomes) == len(gen.calls):
        update["calls"] = [c.model_copy(update={"attempts": max(1, o.attempts) if not o.cached else c.attempts,
                                                "cached": o.cached or c.cached})
                           for c, o in zip(gen.calls, outcomes, strict=True)]
    return gen.model_copy(update=update) if update else gen
