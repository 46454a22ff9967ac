"""Paired comparison of two runs and the regression gate: per-metric paired deltas, bootstrap CIs, sign-flip p."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
from pydantic import BaseModel, Field

from harness.cells import Cell
from harness.core.errors import HarnessError
from harness.report.load import RunData, load_run
from harness.report.metrics import direction, higher_is_better, unranked_reason
from harness.report.stats import N_BOOT, paired_bootstrap_ci, sign_flip_pvalue
from harness.runner.store.jsonl import read_jsonl_lenient
from harness.runner.store.layout import GENERATIONS

ALPHA = 0.05  # a gated drop counts only when its permutation p-value (over tasks) is below this, too
# The smallest two-sided sign-flip p-value over n tasks is 2 / 2**n, so fewer tasks than this can never show a
# significant drop: a gate over them is "underpowered" (it cannot decide), not passed.
MIN_TASKS = next(n for n in range(1, 64) if 2 / 2 ** n < ALPHA)
DEFAULT_MAX_DROP = 0.0  # a gated metric given no tolerance: any significant drop beyond 0 fails
_ARROW = {"higher": "↑", "lower": "↓"}  # the table's dir column; "–" for a metric with no direction


class MetricDelta(BaseModel):
    """One metric for one generator pair: candidate - baseline over paired cells, and the gate's verdict."""

    baseline_generator: str
    candidate_generator: str
    metric: str
    higher_is_better: bool
    n_pairs: int
    n_excluded: int = Field(description="paired cells where either side is not_applicable or error")
    n_lost: int = Field(description="cells scored ok in the baseline with no value in the candidate")
    baseline_mean: float | None
    candidate_mean: float | None
    delta: float | None
    ci_lo: float | None
    ci_hi: float | None
    p_value: float | None
    max_drop: float | None = None
    max_drop_default: bool = Field(default=False, description="max_drop is DEFAULT_MAX_DROP: none was given")
    n_tasks: int = Field(default=0, description="tasks with at least one paired value")
    regressed: bool = False
    underpowered: bool = Field(default=False, description=f"gated over fewer than {MIN_TASKS} paired tasks: the "
                                                          "gate cannot detect a regression")
    reason: str = ""

    @property
    def gated(self) -> bool:
        return self.max_drop is not None

    @property
    def verdict(self) -> str:
        """REGRESSED, underpowered or ok for a gated metric; empty for a reported one."""
        if self.regressed:
            return "REGRESSED"
        if self.underpowered:
            return "underpowered"
        return "ok" if self.gated else ""


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


def _delta_row(b: pl.DataFrame, c: pl.DataFrame, bg: str, cg: str, metric: str, max_drop: float | None,
               n_boot: int, seed: int, defaulted: bool = False) -> MetricDelta:
    left = b.filter(pl.col("score") == metric).select("task_id", "seed", pl.col("value").alias("vb"),
                                                      pl.col("status").alias("sb"))
    right = c.filter(pl.col("score") == metric).select("task_id", "seed", pl.col("value").alias("vc"),
                                                       pl.col("status").alias("sc"))
    joined = left.join(right, on=["task_id", "seed"], how="inner").sort("task_id", "seed")
    both = joined.filter((pl.col("sb") == "ok") & (pl.col("sc") == "ok") & pl.col("vb").is_not_null()
                         & pl.col("vc").is_not_null())
    # cells the baseline scored that the candidate lost (error, not_applicable, or no cell at all) can hide a
    # regression by shrinking the sample, so a gate counts them
    lost = joined.filter((pl.col("sb") == "ok") & (pl.col("sc") != "ok")).height
    lost += left.filter(pl.col("sb") == "ok").join(right, on=["task_id", "seed"], how="anti").height
    up = higher_is_better(metric)
    row = dict(baseline_generator=bg, candidate_generator=cg, metric=metric, higher_is_better=up,
               n_pairs=both.height, n_excluded=joined.height - both.height, n_lost=lost, max_drop=max_drop,
               max_drop_default=defaulted and max_drop is not None, n_tasks=both["task_id"].n_unique(),
               baseline_mean=None, candidate_mean=None, delta=None, ci_lo=None, ci_hi=None, p_value=None)
    if both.height:
        vb, vc, groups = both["vb"].to_list(), both["vc"].to_list(), both["task_id"].to_list()
        est = paired_bootstrap_ci(vb, vc, groups, n_boot=n_boot, rng=seed)
        # seeds of one task are not independent: the permutation test flips the sign of each task's mean
        per_task = both.with_columns((pl.col("vc") - pl.col("vb")).alias("d")).group_by("task_id").agg(
            pl.col("d").mean()).sort("task_id")["d"].to_list()
        row.update(baseline_mean=sum(vb) / len(vb), candidate_mean=sum(vc) / len(vc), delta=est.mean,
                   ci_lo=est.lo, ci_hi=est.hi, p_value=sign_flip_pvalue(per_task, rng=seed))
    if max_drop is None:
        return MetricDelta(**row)
    reasons: list[str] = []
    notes: list[str] = []
    if both.height:
        drop = -row["delta"] if up else row["delta"]
        ci_bad = (row["ci_hi"] < 0) if up else (row["ci_lo"] > 0)
        word = "dropped" if up else "rose"
        if drop > max_drop and ci_bad and row["p_value"] >= ALPHA:
            n_tasks = both["task_id"].n_unique()
            notes.append(f"{metric} {word} by {_num(abs(row['delta']))} but p={_num(row['p_value'])} over "
                         f"{n_tasks} task(s) (the smallest possible two-sided p is {_num(2 / 2 ** n_tasks)}): "
                         "not enough tasks to call it a regression")
        if drop > max_drop and ci_bad and row["p_value"] < ALPHA:
            reasons.append(f"{metric} {word} by {_num(abs(row['delta']))} (tolerance {_num(max_drop)}), "
                           f"95% CI [{_num(row['ci_lo'])}, {_num(row['ci_hi'])}] excludes 0, p={_num(row['p_value'])}")
    elif left.filter(pl.col("sb") == "ok").height:
        reasons.append(f"{metric}: no paired values in the candidate although the baseline has some")
    if lost:
        reasons.append(f"{metric}: {lost} cell(s) scored in the baseline have no value in the candidate "
                       "(error, not_applicable or missing)")
    weak = not reasons and row["n_tasks"] < MIN_TASKS
    if weak:
        notes.insert(0, f"{metric}: underpowered, {row['n_tasks']} paired task(s) < {MIN_TASKS}: with so few tasks "
                        f"no drop can reach p < {ALPHA:g}, so this gate cannot detect a regression")
    row.update(regressed=bool(reasons), underpowered=weak, reason="; ".join(reasons + notes))
    return MetricDelta(**row)


def compare(baseline_dir: str | Path, candidate_dir: str | Path, gates: dict[str, float] | None = None,
            pairs: dict[str, str] | None = None, metrics: list[str] | None = None, *,
            n_boot: int = N_BOOT, seed: int = 0) -> CompareResult:
    """Pair cells by (task, seed) and generator, and test every metric (gated ones against their max drop)."""
    gates = dict(gates or {})
    defaulted = {m for m, tol in gates.items() if tol is None}
    gates.update({m: DEFAULT_MAX_DROP for m in defaulted})
    for metric, tol in gates.items():
        if not isinstance(tol, (int, float)) or not math.isfinite(float(tol)) or float(tol) < 0:
            raise HarnessError(f"max drop for {metric!r} must be a number >= 0, got {tol!r}", field="--max-drop")
    base_run, cand_run = _require_readable_generations(load_run(baseline_dir)), \
        _require_readable_generations(load_run(candidate_dir))
    base, cand = base_run.scores, cand_run.scores
    for run in (base_run, cand_run):
        if not run.scores.height:
            raise HarnessError("the run has no scores to compare (scores.parquet and scores.jsonl hold none)",
                               path=run.run_dir, hint=f"score its stored reviews with `harness rescore {run.run_dir}`")
    notes: list[str] = []
    pair_list = _resolve_pairs(base, cand, pairs, notes)
    known = set(base["score"].to_list()) | set(cand["score"].to_list())
    for metric in [*gates, *(metrics or [])]:
        if metric not in known:
            raise HarnessError(f"metric {metric!r} is in neither run", field="--metric",
                               hint="available: " + ", ".join(sorted(known)))
    for metric in gates:  # a drop means nothing without a direction: never gate a "none" or unknown metric
        why = unranked_reason(metric)
        if why:
            raise HarnessError(f"cannot gate {metric}: {why}", field="--metric",
                               hint="gate a metric whose family declares higher or lower is better")
    for metric in sorted(defaulted):
        notes.append(f"no --max-drop for {metric}: gated at the default max drop {_num(DEFAULT_MAX_DROP)} "
                     "(any significant drop fails)")
    from harness.scorers.support_agreement import incomparable

    sup = pl.col("score").str.starts_with("citations.support_")
    mixed = incomparable(base.filter(sup).to_dicts(), cand.filter(sup).to_dicts())  # made by different judges
    for metric in [*gates, *(metrics or [])]:
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
        b_keys = set(zip(b["task_id"].to_list(), b["seed"].to_list()))
        c_keys = set(zip(c["task_id"].to_list(), c["seed"].to_list()))
        shared += len(b_keys & c_keys)
        unpaired += [f"baseline only: {Cell(task_id=t, generator=bg, seed=s)}" for t, s in sorted(b_keys - c_keys)]
        unpaired += [f"candidate only: {Cell(task_id=t, generator=cg, seed=s)}" for t, s in sorted(c_keys - b_keys)]
        if metrics:
            chosen = list(dict.fromkeys([*gates, *metrics]))
        else:
            common = set(b["score"].to_list()) & set(c["score"].to_list())
            chosen = list(dict.fromkeys([*gates, *sorted(common - set(mixed))]))
        for metric in chosen:
            rows.append(_delta_row(b, c, bg, cg, metric, gates.get(metric), n_boot, seed, metric in defaulted))
    if not shared:
        raise HarnessError("the runs share no (task, seed) cell: there is nothing to compare",
                           hint="baseline: " + _cells_summary(base) + "; candidate: " + _cells_summary(cand))
    return CompareResult(baseline=str(baseline_dir), candidate=str(candidate_dir), pairs=pair_list, rows=rows,
                         unpaired=unpaired, notes=notes, warnings=base_run.warnings + cand_run.warnings,
                         n_boot=n_boot)


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


def _num(v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if v == 0:
        return "0"
    return f"{v:.4f}" if abs(v) >= 0.001 else f"{v:.2e}"


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
