"""Paired comparison of two runs and the regression gate: per-metric paired deltas, bootstrap CIs, sign-flip p."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
from pydantic import BaseModel, Field

from harness.cells import Cell
from harness.core.errors import HarnessError
from harness.report.load import RunData, load_run
from harness.report.metrics import direction, unranked_reason
from harness.report.paired import ALPHA, DEFAULT_MAX_DROP, MIN_TASKS, MetricDelta, paired_delta
from harness.report.paired import fmt_num as _num
from harness.report.stats import N_BOOT
from harness.runner.store.jsonl import read_jsonl_lenient
from harness.runner.store.layout import GENERATIONS
from harness.scorers.support_agreement import incomparable

_ARROW = {"higher": "↑", "lower": "↓"}  # the table's dir column; "–" for a metric with no direction


class CompareResult(BaseModel):
    """All metric deltas of a comparison, the unpaired cells, and whether any gated metric regressed."""

    baseline: str
    candidate: str
    pairs: list[tuple[str, str]]
    rows: list[MetricDelta]
    unpaired: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="what could not be read from either run")
    n_boot: int = N_BOOT

    @property
    def regressions(self) -> list[MetricDelta]:
        return [r for r in self.rows if r.regressed]

    @property
    def underpowered(self) -> list[MetricDelta]:
        """Gated rows the gate could not decide (too few paired tasks), none of them regressed."""
        return [r for r in self.rows if r.underpowered]

    @property
    def passed(self) -> bool:
        """No gated metric regressed (underpowered gates do not fail unless strict: see exit_code)."""
        return not self.regressions

    def exit_code(self, strict: bool = False) -> int:
        """1 when a gated metric regressed, or (strict) when a gate was underpowered; else 0."""
        return 1 if self.regressions or (strict and self.underpowered) else 0


def _resolve_pairs(base: pl.DataFrame, cand: pl.DataFrame, pairs: dict[str, str] | None,
                   notes: list[str]) -> list[tuple[str, str]]:
    b_gens = base["generator"].unique(maintain_order=True).to_list()
    c_gens = cand["generator"].unique(maintain_order=True).to_list()
    if pairs:
        for b, c in pairs.items():
            if b not in b_gens:
                raise HarnessError(f"generator {b!r} is not in the baseline run", field="--pair",
                                   hint="baseline generators: " + ", ".join(b_gens))
            if c not in c_gens:
                raise HarnessError(f"generator {c!r} is not in the candidate run", field="--pair",
                                   hint="candidate generators: " + ", ".join(c_gens))
        return list(pairs.items())
    common = [g for g in b_gens if g in c_gens]
    if common:
        for g in b_gens:
            if g not in c_gens:
                notes.append(f"baseline generator {g!r} has no counterpart in the candidate (use --pair)")
        for g in c_gens:
            if g not in b_gens:
                notes.append(f"candidate generator {g!r} has no counterpart in the baseline (use --pair)")
        return [(g, g) for g in common]
    if len(b_gens) == 1 and len(c_gens) == 1:
        notes.append(f"paired the runs' only generators: {b_gens[0]} (baseline) with {c_gens[0]} (candidate)")
        return [(b_gens[0], c_gens[0])]
    raise HarnessError("the runs have no generator name in common", field="--pair",
                       hint=f"pair them explicitly, e.g. --pair {b_gens[0] if b_gens else 'A'}="
                            f"{c_gens[0] if c_gens else 'B'}")


def parse_pairs(items: list[str] | None) -> dict[str, str] | None:
    """['A=B', ...] -> {'A': 'B'} (baseline generator = candidate generator)."""
    if not items:
        return None
    out: dict[str, str] = {}
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise HarnessError(f"bad pair {item!r}", field="--pair", hint="write BASELINE_GEN=CANDIDATE_GEN")
        out[left.strip()] = right.strip()
    return out


def compare(baseline_dir: str | Path, candidate_dir: str | Path, gates: dict[str, float] | None = None,
            pairs: dict[str, str] | None = None, metrics: list[str] | None = None, *,
            n_boot: int = N_BOOT, seed: int = 0) -> CompareResult:
    """Pair cells by (task, seed) and generator, and test every metric (gated ones against their max drop)."""
    gates, defaulted = _gates(gates)
    base_run, cand_run = _require_readable_generations(load_run(baseline_dir)), \
        _require_readable_generations(load_run(candidate_dir))
    base, cand = base_run.scores, cand_run.scores
    for run in (base_run, cand_run):
        if not run.scores.height:
            raise HarnessError("the run has no scores to compare (scores.parquet and scores.jsonl hold none)",
                               path=run.run_dir, hint=f"score its stored reviews with `harness rescore {run.run_dir}`")
    notes: list[str] = []
    pair_list = _resolve_pairs(base, cand, pairs, notes)
    asked = [*gates, *(metrics or [])]
    _check_metrics(base, cand, asked, gates)
    notes += [f"no --max-drop for {metric}: gated at the default max drop {_num(DEFAULT_MAX_DROP)} "
              "(any significant drop fails)" for metric in sorted(defaulted)]
    sup = pl.col("score").str.starts_with("citations.support_")
    mixed = incomparable(base.filter(sup).to_dicts(), cand.filter(sup).to_dicts())  # made by different judges
    for metric in asked:
        if metric in mixed:
            raise HarnessError(f"cannot compare {metric}: {mixed[metric]}", field="--metric",
                               hint="rescore both runs with one method and model (harness rescore RUN --support ...)")
    notes += [f"not compared: {why}" for why in mixed.values()]
    rows: list[MetricDelta] = []
    unpaired: list[str] = []
    shared = 0
    for bg, cg in pair_list:
        b = base.filter(pl.col("generator") == bg)
        c = cand.filter(pl.col("generator") == cg)
        shared += _unpaired(b, c, bg, cg, unpaired)
        if metrics:
            chosen = list(dict.fromkeys([*gates, *metrics]))
        else:
            common = set(b["score"].to_list()) & set(c["score"].to_list())
            chosen = list(dict.fromkeys([*gates, *sorted(common - set(mixed))]))
        rows += [paired_delta(b, c, bg, cg, m, gates.get(m), n_boot, seed, m in defaulted) for m in chosen]
    if not shared:
        raise HarnessError("the runs share no (task, seed) cell: there is nothing to compare",
                           hint="baseline: " + _cells_summary(base) + "; candidate: " + _cells_summary(cand))
    return CompareResult(baseline=str(baseline_dir), candidate=str(candidate_dir), pairs=pair_list, rows=rows,
                         unpaired=unpaired, notes=notes, warnings=base_run.warnings + cand_run.warnings,
                         n_boot=n_boot)


def _gates(gates: dict[str, float] | None) -> tuple[dict[str, float], set[str]]:
    """Each gated metric's max drop (DEFAULT_MAX_DROP where None was given) and the metrics given none."""
    gates = dict(gates or {})
    defaulted = {m for m, tol in gates.items() if tol is None}
    gates.update({m: DEFAULT_MAX_DROP for m in defaulted})
    for metric, tol in gates.items():
        if not isinstance(tol, (int, float)) or not math.isfinite(float(tol)) or float(tol) < 0:
            raise HarnessError(f"max drop for {metric!r} must be a number >= 0, got {tol!r}", field="--max-drop")
    return gates, defaulted


def _check_metrics(base: pl.DataFrame, cand: pl.DataFrame, asked: list[str], gates: dict[str, float]) -> None:
    """Every asked metric is in a run, and every gated one has a direction (a drop means nothing without one)."""
    known = set(base["score"].to_list()) | set(cand["score"].to_list())
    for metric in asked:
        if metric not in known:
            raise HarnessError(f"metric {metric!r} is in neither run", field="--metric",
                               hint="available: " + ", ".join(sorted(known)))
    for metric in gates:  # never gate a "none" or unknown metric
        why = unranked_reason(metric)
        if why:
            raise HarnessError(f"cannot gate {metric}: {why}", field="--metric",
                               hint="gate a metric whose family declares higher or lower is better")


def _unpaired(b: pl.DataFrame, c: pl.DataFrame, bg: str, cg: str, unpaired: list[str]) -> int:
    """Append the cells of one generator pair found on one side only; return how many (task, seed) they share."""
    b_keys = set(zip(b["task_id"].to_list(), b["seed"].to_list()))
    c_keys = set(zip(c["task_id"].to_list(), c["seed"].to_list()))
    unpaired += [f"baseline only: {Cell(task_id=t, generator=bg, seed=s)}" for t, s in sorted(b_keys - c_keys)]
    unpaired += [f"candidate only: {Cell(task_id=t, generator=cg, seed=s)}" for t, s in sorted(c_keys - b_keys)]
    return len(b_keys & c_keys)


def _require_readable_generations(run: RunData) -> RunData:
    """The run, when its generations.jsonl reads whole: a gate decides nothing on a damaged run, so an unreadable
    line (garbage appended, a torn last line) stops compare with one error naming the file and the line."""
    path = Path(run.run_dir) / GENERATIONS
    read = read_jsonl_lenient(path)
    if read.unreadable:
        raise HarnessError(f"unreadable line ({read.problem()}): a gate does not compare a damaged run",
                           path=path, line=read.unreadable[0],
                           hint="restore the file, or `harness run --resume` the run (a torn last line is cut)")
    return run


def _cells_summary(df: pl.DataFrame) -> str:
    """'3 tasks (a, b, c), seeds 0, 1' of a scores table (for the no-shared-cells error)."""
    tasks = sorted(df["task_id"].unique().to_list())
    seeds = sorted(df["seed"].unique().to_list())
    shown = ", ".join(tasks[:4]) + (", ..." if len(tasks) > 4 else "")
    return f"{len(tasks)} task(s) ({shown}), seeds {', '.join(map(str, seeds)) or '-'}"


def format_table(result: CompareResult, max_unpaired: int = 20, strict: bool = False) -> str:
    """Plain-text table of the comparison, with the failed and undecided gates named below it."""
    multi = len(result.pairs) > 1 or any(b != c for b, c in result.pairs)
    head = (["pair"] if multi else []) + ["metric", "dir", "n", "baseline", "candidate", "delta", "95% CI", "p",
                                          "gate", "result"]
    lines = []
    for r in result.rows:
        gate = f"max drop {_num(r.max_drop)}" + (" (default)" if r.max_drop_default else "") if r.gated else "–"
        ci = f"[{_num(r.ci_lo)}, {_num(r.ci_hi)}]" if r.n_pairs else "–"
        n = str(r.n_pairs) + (f" (+{r.n_excluded} n/a)" if r.n_excluded else "")
        cells = ([f"{r.baseline_generator}->{r.candidate_generator}"] if multi else []) + [
            r.metric, _ARROW.get(direction(r.metric), "–"), n, _num(r.baseline_mean), _num(r.candidate_mean),
            _num(r.delta), ci, _num(r.p_value), gate, r.verdict]
        lines.append(cells)
    widths = [max(len(h), *(len(row[i]) for row in lines)) if lines else len(h) for i, h in enumerate(head)]
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths)), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in lines]
    out.append("")
    out.append(f"baseline:  {result.baseline}")
    out.append(f"candidate: {result.candidate}")
    out += [f"note: {n}" for n in result.notes]
    if result.unpaired:
        out.append(f"unpaired cells ({len(result.unpaired)}):")
        out += [f"  {u}" for u in result.unpaired[:max_unpaired]]
        if len(result.unpaired) > max_unpaired:
            out.append(f"  ... and {len(result.unpaired) - max_unpaired} more")
    if result.regressions:
        out.append("FAILED: " + ", ".join(dict.fromkeys(r.metric for r in result.regressions)) + " regressed")
        out += [f"  - {r.baseline_generator}->{r.candidate_generator}: {r.reason}" for r in result.regressions]
    if result.underpowered:
        weak = ", ".join(dict.fromkeys(r.metric for r in result.underpowered))
        out.append(("FAILED (--strict): " if strict else "UNDERPOWERED: ") + f"{weak} could not be decided "
                   f"(fewer than {MIN_TASKS} paired tasks)" + ("" if strict else "; not failed, --strict fails it"))
        out += [f"  - {r.baseline_generator}->{r.candidate_generator}: {r.reason}" for r in result.underpowered]
    if not result.regressions and not result.underpowered:
        gated = [r.metric for r in result.rows if r.gated]
        out.append("PASSED: no gated metric regressed" + (f" ({', '.join(dict.fromkeys(gated))})" if gated
                                                           else " (no gates given)"))
    return "\n".join(out)


def underpowered_warning(result: CompareResult) -> str | None:
    """The one-line warning for undecided gates (None when every gate could decide)."""
    if not result.underpowered:
        return None
    weak = ", ".join(dict.fromkeys(r.metric for r in result.underpowered))
    n = min(r.n_tasks for r in result.underpowered)
    return (f"the gate is underpowered for {weak}: {n} paired task(s), fewer than {MIN_TASKS}, cannot show a "
            "significant drop; exiting 0 without a decision (--strict makes this a failure)")


__all__ = ["ALPHA", "DEFAULT_MAX_DROP", "MIN_TASKS", "CompareResult", "MetricDelta", "compare", "format_table",
           "parse_pairs", "underpowered_warning"]
