"""What the quality costs: generation and judge cost apart, quality per dollar and per 1k output tokens, the
cost–quality Pareto front as a table."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from harness.report.metrics import COST_METRIC, OUTPUT_TOKENS_METRIC, direction, is_cost
from harness.report.plots import pareto_front
from harness.report.tables import Cell, MetricSummary, Table, fmt

JUDGE_STAGE = "judge"


def is_judge_stage(name: str | None) -> bool:
    """A call or usage stage made to judge a review (stage `judge`, or `judge.<aspect>` / `judge:<aspect>`)."""
    n = (name or "").lower()
    return n == JUDGE_STAGE or n.startswith((JUDGE_STAGE + ".", JUDGE_STAGE + ":", JUDGE_STAGE + "_"))


@dataclass
class JudgeCost:
    """Judge-stage calls recorded in one cell's generation: their USD (None: some unpriced) and tokens."""

    calls: int
    usd: float | None
    output_tokens: int
    in_usage: float  # the part recorded as review usage stages (and so inside the cell's cost.usd)
    in_usage_tokens: int


def judge_cost(gen: dict[str, Any]) -> JudgeCost:
    """Judge cost of a generation record: its judge-stage call records, else its judge-named usage stages."""
    calls = [c for c in gen.get("calls") or [] if is_judge_stage(c.get("stage"))]
    stages = [s for s in (((gen.get("review") or {}).get("usage") or {}).get("stages") or [])
              if is_judge_stage(s.get("name"))]
    in_usage = sum(float(s.get("cost_usd") or 0.0) for s in stages)
    in_usage_tokens = sum(int(s.get("output_tokens") or 0) for s in stages)
    source = calls or stages
    costs = [c.get("cost_usd") for c in source]
    usd = float(sum(costs)) if costs and all(c is not None for c in costs) else (0.0 if not source else None)
    n = len(calls) if calls else sum(int(s.get("calls") or 1) for s in stages)
    return JudgeCost(n, usd, sum(int(c.get("output_tokens") or 0) for c in source), in_usage, in_usage_tokens)


def judge_from_scores(scores: pl.DataFrame) -> dict[str, JudgeCost]:
    """Per generator, the judge usage scorers recorded in their details ("judge_usage": calls, cost_usd,
    output_tokens), counted once per cell however many of its scores repeat it."""
    rows = scores.filter(pl.col("details").str.contains('"judge_usage"', literal=True))
    per_cell: dict[str, tuple[str, dict[str, Any]]] = {}
    for r in rows.iter_rows(named=True):
        try:
            usage = json.loads(r["details"] or "{}").get("judge_usage")
        except (ValueError, AttributeError):
            continue
        if isinstance(usage, dict) and (r["cell"] not in per_cell or float(usage.get("cost_usd") or 0)
                                        > float(per_cell[r["cell"]][1].get("cost_usd") or 0)):
            per_cell[r["cell"]] = (r["generator"], usage)
    out: dict[str, JudgeCost] = {}
    for gen, usage in per_cell.values():
        prev = out.get(gen, JudgeCost(0, 0.0, 0, 0.0, 0))
        out[gen] = JudgeCost(prev.calls + int(usage.get("calls") or 0),
                             (prev.usd or 0.0) + float(usage.get("cost_usd") or 0.0),
                             prev.output_tokens + int(usage.get("output_tokens") or 0), 0.0, 0)
    return out


@dataclass
class GeneratorCost:
    """Per generator: mean generation USD and output tokens per cell (judge stages taken out), judge USD total."""

    generator: str
    usd_per_cell: float | None
    usd_total: float | None
    out_tokens_per_cell: float | None
    judge_calls: int
    judge_usd: float | None


def generator_costs(summaries: list[MetricSummary], generations: list[dict[str, Any]],
                    generators: list[str], scores: pl.DataFrame | None = None) -> dict[str, GeneratorCost]:
    """Generation cost from the cost.* scores (minus judge stages recorded in usage); judge cost from the
    generations' judge-stage records and the judge usage scorers recorded."""
    idx = {(s.generator, s.metric): s for s in summaries}
    judge: dict[str, list[JudgeCost]] = {}
    for gen in generations:
        judge.setdefault(str(gen.get("generator")), []).append(judge_cost(gen))
    from_scores = judge_from_scores(scores) if scores is not None and scores.height else {}
    out = {}
    for g in generators:
        js = judge.get(g, []) + ([from_scores[g]] if g in from_scores else [])
        usd_s, tok_s = idx.get((g, COST_METRIC)), idx.get((g, OUTPUT_TOKENS_METRIC))
        cells = max(1, len(judge.get(g, [])))
        in_usage = sum(j.in_usage for j in js) / cells
        in_tokens = sum(j.in_usage_tokens for j in js) / cells
        usd = max(0.0, usd_s.estimate.mean - in_usage) if usd_s and usd_s.n else None
        tokens = max(0.0, tok_s.estimate.mean - in_tokens) if tok_s and tok_s.n else None
        judge_usd = None if any(j.usd is None for j in js) else sum(j.usd or 0.0 for j in js)
        out[g] = GeneratorCost(g, usd, usd * usd_s.n if usd is not None and usd_s else None, tokens,
                               sum(j.calls for j in js), judge_usd)
    return out


def cost_table(costs: dict[str, GeneratorCost], generators: list[str],
               manifest_judge_usd: float | None = None) -> Table:
    """Generation cost and judge cost side by side."""
    rows = []
    for g in generators:
        c = costs[g]
        rows.append([g, fmt(c.usd_per_cell), fmt(c.usd_total), fmt(c.out_tokens_per_cell), str(c.judge_calls),
                     fmt(c.judge_usd) if c.judge_calls else "–"])
    return Table(
        title="Cost: generation and judge",
        columns=["generator", "generation USD / cell", "generation USD total", "output tokens / cell",
                 "judge calls", "judge USD total"],
        rows=rows, directions=[None, "down", "down", "down", "none", "none"],
        notes=["Generation cost is what producing the reviews cost (cost.usd, cost.output_tokens); judge cost is "
               "what scoring them with an LLM judge cost (calls recorded with stage 'judge', or the judge usage "
               "a scorer recorded), reported apart and "
               "not charged to the generator. –: nothing recorded.",
               *([f"The run's manifest counts ${fmt(manifest_judge_usd)} of judge spend in all."]
                 if manifest_judge_usd else [])],
        key="cost",
    )


def _ratio(q: float | None, denom: float | None) -> str:
    if q is None or denom is None or (isinstance(q, float) and math.isnan(q)):
        return "–"
    if denom == 0:
        return "free"
    return fmt(q / denom)


def value_table(summaries: list[MetricSummary], costs: dict[str, GeneratorCost], generators: list[str],
                metrics: list[str]) -> Table | None:
    """Each higher-is-better quality metric per dollar and per 1k output tokens (ratio of means)."""
    quality = [m for m in metrics if direction(m) == "higher" and not is_cost(m)]
    if not quality:
        return None
    idx = {(s.generator, s.metric): s for s in summaries}
    rows = []
    for g in generators:
        c = costs[g]
        row: list[str] = [g]
        for m in quality:
            s = idx.get((g, m))
            q = s.estimate.mean if s and s.n else None
            tok = c.out_tokens_per_cell / 1000 if c.out_tokens_per_cell is not None else None
            row += [_ratio(q, c.usd_per_cell), _ratio(q, tok)]
        rows.append(row)
    cols = [f"{m} {unit}" for m in quality for unit in ("per $", "per 1k out tok")]
    return Table(
        title="Quality per cost", columns=["generator", *cols], rows=rows,
        directions=[None, *["up"] * len(cols)],
        notes=["Mean quality divided by mean generation cost per cell (USD) and by mean output tokens per cell "
               "/ 1000; 'free': the generator cost nothing (offline or local), so the ratio is unbounded; "
               "–: no cost or token count recorded."],
        key="value",
    )


def pareto_table(summaries: list[MetricSummary], costs: dict[str, GeneratorCost], generators: list[str],
                 quality: str) -> Table | None:
    """The cost–quality Pareto front of the plot, as a table: who is on it, and who dominates the others."""
    idx = {(s.generator, s.metric): s for s in summaries}
    gens = [g for g in generators if costs[g].usd_per_cell is not None and idx.get((g, quality))
            and idx[(g, quality)].n]
    if not gens:
        return None
    sign = 1.0 if direction(quality) != "lower" else -1.0
    pts = [(costs[g].usd_per_cell or 0.0, sign * idx[(g, quality)].estimate.mean) for g in gens]
    front = set(pareto_front(pts))
    rows = []
    for i in sorted(range(len(gens)), key=lambda i: (pts[i][0], -pts[i][1])):
        g, e = gens[i], idx[(gens[i], quality)].estimate
        if i in front:
            verdict = "yes"
        else:
            by = [gens[j] for j in front if pts[j][0] <= pts[i][0] and pts[j][1] >= pts[i][1]]
            verdict = "no: " + ", ".join(by) + (" is" if len(by) == 1 else " are") + " cheaper or better, never worse"
        rows.append([g, fmt(costs[g].usd_per_cell), Cell(fmt(e.mean), f"{fmt(e.lo)}, {fmt(e.hi)}",
                                                          best=i in front), verdict])
    return Table(
        title=f"Cost–quality Pareto front ({quality})",
        columns=["generator", "generation USD / cell", f"{quality} [95% CI]", "on the front"],
        rows=rows, directions=[None, "down", "up" if sign > 0 else "down", None],
        notes=["A generator is on the front when no other is at most as expensive and at least as good, and "
               "strictly one of the two (means; the plot shows the CIs). Bold: on the front."],
        key="pareto",
    )


def cost_from_generations(scores: pl.DataFrame, generations: list[dict]) -> pl.DataFrame:
    """Add cost.usd rows from the generations' recorded usage when the scorers did not produce them."""
    if COST_METRIC in set(scores["score"].to_list()) or not generations:
        return scores
    rows = []
    for g in generations:
        usage = ((g.get("review") or {}).get("usage") or {})
        cost = usage.get("cost_usd")
        if cost is None and g.get("calls"):
            costs = [c.get("cost_usd") for c in g["calls"]]
            cost = sum(costs) if costs and all(c is not None for c in costs) else None
        cell = g.get("cell") or f"{g.get('task_id')}|{g.get('generator')}|{g.get('seed')}"
        ok = cost is not None
        rows.append({"cell": cell, "task_id": str(g.get("task_id")), "generator": str(g.get("generator")),
                     "seed": int(g.get("seed") or 0), "score": COST_METRIC, "value": float(cost) if ok else None,
                     "status": "ok" if ok else "not_applicable",
                     "explanation": "from the generation's recorded usage" if ok else "no cost recorded",
                     "details": "{}"})
    return pl.concat([scores, pl.DataFrame(rows, schema=scores.schema)]) if rows else scores
