"""Report tables: per-generator means with bootstrap CIs, per-task means, the manifest summary; Markdown and LaTeX."""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from markupsafe import escape

from harness.report.metrics import direction
from harness.report.stats import N_BOOT, Estimate, bootstrap_mean_ci


@dataclass
class Table:
    """A rendered-agnostic table: header cells, string rows, per-column direction marks and notes."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    directions: list[str | None] = field(default_factory=list)  # "up" / "down" / "none" (numeric) / None (text)
    notes: list[str] = field(default_factory=list)
    key: str = ""
    row_head: int = 0  # the column that names the row (a <th scope="row"> in HTML)
    tex_spec: str = ""  # LaTeX column spec when the default (l for text, r for numbers) would not wrap long text


SIG_MARK = "†"
_MARK_TITLES = {SIG_MARK: "significantly worse than the best (Holm-adjusted p < 0.05)",
                "*": "significant difference (Holm-adjusted p < 0.05)"}


class Cell(str):
    """A number cell: its text is 'value[mark] [lo, hi] (counts)'; renderers bold the best and set the CI small."""

    value: str
    ci: str
    extra: str
    best: bool
    mark: str

    def __new__(cls, value: str, ci: str = "", extra: str = "", *, best: bool = False, mark: str = "") -> "Cell":
        text = value + mark + (f" [{ci}]" if ci else "") + (f" ({extra})" if extra else "")
        obj = super().__new__(cls, text)
        obj.value, obj.ci, obj.extra, obj.best, obj.mark = value, ci, extra, best, mark
        return obj

    def md(self) -> str:
        """Markdown: **value**, the mark, then the CI and counts."""
        v = _md_cell(self.value)
        v = (f"**{v}**" if self.best else v) + _md_cell(self.mark).replace("*", "\\*")
        return v + (f" [{_md_cell(self.ci)}]" if self.ci else "") + (f" ({_md_cell(self.extra)})" if self.extra
                                                                       else "")

    def tex(self) -> str:
        """LaTeX: \\textbf value and mark on the first line, CI and counts below in \\scriptsize."""
        v = latex_escape(self.value)
        v = (rf"\textbf{{{v}}}" if self.best else v) + latex_escape(self.mark)
        lines = [v] + ([rf"\scriptsize[{latex_escape(self.ci)}]"] if self.ci else []) + (
            [rf"\scriptsize({latex_escape(self.extra)})"] if self.extra else [])
        return v if len(lines) == 1 else r"\begin{tabular}[t]{@{}r@{}}" + r"\\".join(lines) + r"\end{tabular}"

    def __html__(self) -> str:
        """HTML (every part escaped): <b> for the best, a <sup> mark, the CI and counts in muted spans."""
        v = str(escape(self.value))
        v = f"<b>{v}</b>" if self.best else v
        if self.mark:
            tip = _MARK_TITLES.get(self.mark, "significant")
            v += f'<sup class="sig" title="{tip}">{escape(self.mark)}</sup>'
        if self.ci:
            v += f' <span class="ci">[{escape(self.ci)}]</span>'
        if self.extra:
            v += f'<span class="cnt">{escape(self.extra)}</span>'
        return v


@dataclass
class MetricSummary:
    """One generator x metric: the estimate over ok cells, and how many cells were n/a or errors."""

    generator: str
    metric: str
    estimate: Estimate
    n_na: int
    n_error: int

    @property
    def n(self) -> int:
        return self.estimate.n


def fmt(value: float | None) -> str:
    """Compact number: 3 decimals for ordinary values, 3 significant digits for tiny ones (costs)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    v = float(value)
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) >= 1:
        return f"{int(v):,}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.1f}"
    if abs(v) >= 0.01:
        return f"{v:.3f}"
    return f"{v:.3g}"


def manifest_generators(manifest: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Generator specs of a manifest: top-level "generators" or the resolved config's."""
    manifest = manifest or {}
    specs = manifest.get("generators")
    if not specs and isinstance(manifest.get("config"), dict):
        specs = manifest["config"].get("generators")
    return [g for g in specs or [] if isinstance(g, dict) and g.get("name")]


def generator_order(scores: pl.DataFrame, manifest: dict[str, Any] | None = None) -> list[str]:
    """Generators in manifest order, then any others in the order they appear in the scores."""
    seen = [g["name"] for g in manifest_generators(manifest)]
    present = scores["generator"].unique(maintain_order=True).to_list()
    return [g for g in seen if g in present] + [g for g in present if g not in seen]


def summarize(scores: pl.DataFrame, metrics: list[str], generators: list[str] | None = None, *,
              n_boot: int = N_BOOT, seed: int = 0) -> list[MetricSummary]:
    """Mean and two-level bootstrap CI (tasks, seeds nested) per generator and metric; n/a and errors counted."""
    generators = generators or generator_order(scores)
    out: list[MetricSummary] = []
    for gen in generators:
        for metric in metrics:
            sub = scores.filter((pl.col("generator") == gen) & (pl.col("score") == metric))
            ok = sub.filter((pl.col("status") == "ok") & pl.col("value").is_not_null() & pl.col("value").is_not_nan())
            est = bootstrap_mean_ci(ok["value"].to_list(), ok["task_id"].to_list(), n_boot=n_boot, rng=seed)
            n_ok_rows = int((sub["status"] == "ok").sum())
            out.append(MetricSummary(gen, metric, est,
                                     n_na=int((sub["status"] == "not_applicable").sum()),
                                     # an ok row without a finite value is a broken score: count it as an error
                                     n_error=int((sub["status"] == "error").sum()) + n_ok_rows - ok.height))
    return out


def other_scores_table(summaries: list[MetricSummary], generators: list[str], metrics: list[str],
                       cells: dict[str, int]) -> Table | None:
    """Every scored metric the main tables leave out (plug-in families' scores, metrics outside the key set):
    one row per metric, mean [95% CI] per generator; None when the main tables show them all."""
    if not metrics:
        return None
    index = {(s.generator, s.metric): s for s in summaries}
    rows = []
    for metric in metrics:
        row: list[str] = [metric]
        for gen in generators:
            s = index.get((gen, metric))
            if s is None:
                row.append("–")
                continue
            row.append(mean_cell(s, cells.get(gen, s.n)))
        rows.append(row)
    return Table(title="Other scores: mean [95% CI] per generator", columns=["score", *generators], rows=rows,
                 directions=[None, *(["none"] * len(generators))],
                 notes=["Every scored metric not in the tables above (choose table columns with --metrics); same "
                        "bootstrap and counting rules as the means table; not ranked."], key="other-scores")


def _dir(metric: str) -> str:
    """Column direction of a metric: "up", "down", or "none" (numeric, not ranked)."""
    return {"higher": "up", "lower": "down"}.get(direction(metric), "none")


def mean_cell(s: MetricSummary, total: int, best: bool = False, mark: str = "") -> Cell:
    """A generator's mean [95% CI] of one metric, with its counts when fewer than all cells have a value."""
    e = s.estimate
    return Cell(fmt(e.mean) if s.n else "–", f"{fmt(e.lo)}, {fmt(e.hi)}" if s.n else "", count_text(s, total),
                best=best, mark=mark)


def count_text(s: MetricSummary, total: int) -> str:
    """'n=k; j n/a; i err' when fewer than all of a generator's cells have a value, else ''."""
    if s.n == total and not s.n_na and not s.n_error:
        return ""
    return "; ".join([f"n={s.n}"] + ([f"{s.n_na} n/a"] if s.n_na else []) + (
        [f"{s.n_error} err"] if s.n_error else []))


def main_table(summaries: list[MetricSummary], generators: list[str], metrics: list[str],
               cells: dict[str, int] | None = None, best: dict[str, set[str]] | None = None,
               worse: dict[str, set[str]] | None = None, legend: list[str] | None = None) -> Table:
    """Generators x metrics: mean [95% CI], the best per column bold and a mark on those significantly worse;
    a cell says (n=k; n/a, err counts) when fewer than all cells count."""
    index = {(s.generator, s.metric): s for s in summaries}
    cells, best, worse = cells or {}, best or {}, worse or {}
    rows = []
    for gen in generators:
        total = cells.get(gen) or max((index[(gen, m)].n for m in metrics if (gen, m) in index), default=0)
        row: list[str] = [gen, str(total)]
        for metric in metrics:
            s = index.get((gen, metric))
            if s is None:
                row.append("–")
                continue
            row.append(mean_cell(s, total, best=gen in best.get(metric, set()),
                                 mark=SIG_MARK if gen in worse.get(metric, set()) else ""))
        rows.append(row)
    return Table(
        title="Mean [95% CI] per generator",
        columns=["generator", "n", *metrics],
        rows=rows,
        directions=[None, None, *[_dir(m) for m in metrics]],
        notes=["95% percentile bootstrap CI over tasks x seeds (tasks resampled, seeds nested within tasks); "
               "n = cells of the generator; (n=k) = only k cells had a value: n/a and err cells are excluded "
               "from the mean and counted, never averaged in as 0.",
               "↑ higher is better, ↓ lower is better; columns without an arrow declare no direction and are "
               "not ranked.", *(legend or [])],
        key="main",
    )


def per_task_means(scores: pl.DataFrame, metric: str) -> pl.DataFrame:
    """task_id x generator: mean over ok seeds, with counts of ok / n/a / error cells."""
    sub = scores.filter(pl.col("score") == metric)
    ok_value = pl.when(pl.col("status") == "ok").then(pl.col("value")).otherwise(None)
    return sub.group_by(["task_id", "generator"], maintain_order=True).agg(
        ok_value.mean().alias("mean"),
        (pl.col("status") == "ok").sum().alias("n_ok"),
        (pl.col("status") == "not_applicable").sum().alias("n_na"),
        (pl.col("status") == "error").sum().alias("n_error"),
    )


def per_task_table(scores: pl.DataFrame, metrics: list[str], generators: list[str]) -> Table:
    """(task, generator) x metrics: mean over seeds; 'n/a' / 'error' when no seed was scored."""
    tasks = sorted(scores["task_id"].unique().to_list())
    cells: dict[tuple[str, str, str], str] = {}
    for metric in metrics:
        for r in per_task_means(scores, metric).iter_rows(named=True):
            total = r["n_ok"] + r["n_na"] + r["n_error"]
            if r["n_ok"]:
                text = fmt(r["mean"]) + (f" ({r['n_ok']}/{total})" if r["n_ok"] < total else "")
            else:
                text = "error" if r["n_error"] else "n/a"
            cells[(r["task_id"], r["generator"], metric)] = text
    rows = [[t, g, *[cells.get((t, g, m), "–") for m in metrics]] for t in tasks for g in generators
            if any((t, g, m) in cells for m in metrics)]
    return Table(
        title="Per task (mean over seeds)",
        columns=["task", "generator", *metrics],
        rows=rows,
        directions=[None, None, *[_dir(m) for m in metrics]],
        notes=["(k/n): only k of n seeds had a value; n/a: the metric does not apply to this cell."],
        key="per_task",
    )


def _price_text(price: Any) -> str:
    if isinstance(price, dict):
        i, o = price.get("input_per_mtok"), price.get("output_per_mtok")
        if i is not None or o is not None:
            return f"{fmt(i)} / {fmt(o)}"
    if isinstance(price, (int, float)):
        return fmt(float(price))
    return "–"


def _price_sources(manifest: dict[str, Any], generations: list[dict[str, Any]]) -> dict[str, str]:
    """Where each generator's price came from: manifest first, else the cost_source its generations recorded."""
    out: dict[str, str] = {}
    listed = manifest.get("price_sources") or {}
    if isinstance(listed, dict):
        out.update({str(k): str(v) for k, v in listed.items()})
    elif isinstance(listed, list):
        out.update({str(d.get("generator") or d.get("name")): str(d.get("source")) for d in listed
                    if isinstance(d, dict)})
    for g in manifest_generators(manifest):
        if g.get("name") not in out:
            src = g.get("price_source") or g.get("cost_source")
            if src:
                out[g["name"]] = str(src)
    seen: dict[str, Counter] = {}
    for gen in generations:
        usage = ((gen.get("review") or {}).get("usage") or {})
        src = usage.get("cost_source") or next((c.get("cost_source") for c in gen.get("calls") or []
                                                if c.get("cost_source")), None)
        if src:
            seen.setdefault(str(gen.get("generator")), Counter())[str(src)] += 1
    for name, counts in seen.items():
        out.setdefault(name, ", ".join(sorted(counts)))
    return out


def manifest_tables(manifest: dict[str, Any], generations: list[dict[str, Any]] | None = None,
                    generators: list[str] | None = None) -> list[Table]:
    """The run's generators (model, strategy, price and its source) and its run facts (versions, counters)."""
    generations = generations or []
    sources = _price_sources(manifest, generations)
    specs = manifest_generators(manifest)
    names = [g.get("name") for g in specs]
    specs += [{"name": n} for n in generators or [] if n not in names]
    gen_rows = []
    for g in specs:
        name = str(g.get("name"))
        source = sources.get(name, "unknown")
        price = _price_text(g.get("price"))
        if price == "–" and source == "litellm":
            price = "litellm map"
        gen_rows.append([name, str(g.get("kind") or "–"), str(g.get("model") or "–"), str(g.get("strategy") or "–"),
                         price, source])
    tables = [Table(
        title="Generators",
        columns=["generator", "kind", "model", "strategy", "price in / out (USD per Mtok)", "price source"],
        rows=gen_rows,
        directions=[None] * 6,
        notes=["price source: 'user-set' = price given in the config; 'litellm' = litellm's bundled price map; "
               "'local' = a model served on this machine (free); 'unknown' = no price known (cost not counted); "
               "'none (offline)' = no LLM calls."],
        key="generators",
    )]
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    facts: list[list[str]] = []
    for key in ("run_id", "status", "created", "started", "ended", "config_hash", "config_source", "cells"):
        if manifest.get(key) not in (None, ""):
            facts.append([key, _short(manifest[key])])
    seeds = manifest.get("seeds") or config.get("seeds")
    if seeds:
        facts.append(["seeds", _short(seeds)])
    git = manifest.get("git")
    if isinstance(git, dict) and git.get("commit"):
        facts.append(["git", f"{str(git['commit'])[:12]}{' (dirty)' if git.get('dirty') else ''}"])
    litellm = manifest.get("litellm")
    if isinstance(litellm, dict) and litellm.get("price_map"):
        facts.append(["price map", _short(litellm["price_map"])])
    versions = manifest.get("versions") or manifest.get("packages")
    if isinstance(versions, dict):
        facts += [[f"version: {k}", _short(v)] for k, v in versions.items() if v is not None]
    machine = manifest.get("machine")
    if isinstance(machine, dict):
        facts.append(["machine", ", ".join(f"{k} {v}" for k, v in machine.items() if v is not None)])
    hashes = manifest.get("task_hashes")
    if not isinstance(hashes, dict) and isinstance(manifest.get("tasks"), dict):
        hashes = {t: (v.get("content_hash") if isinstance(v, dict) else v) for t, v in manifest["tasks"].items()}
    if isinstance(hashes, dict):
        facts += [[f"task hash: {k}", str(v)[:12]] for k, v in hashes.items()]
    facts += [[f"task changed: {c.get('task')}", task_change_text(c)] for c in manifest.get("task_changes") or []]
    counters = manifest.get("counters")
    if isinstance(counters, dict):
        facts += [[f"count: {k}", _short(v)] for k, v in counters.items()]
    if facts:
        tables.append(Table(title="Run facts", columns=["field", "value"], rows=facts, directions=[None, None],
                            key="run"))
    return tables


def task_change_text(change: Any) -> str:
    """A resume allowed past a task change (--allow-task-change): the hashes and the cells of the old version."""
    change = change if isinstance(change, dict) else {}
    cells = change.get("old_version_cells") or []
    return (f"{str(change.get('old_hash'))[:12]} -> {str(change.get('new_hash'))[:12]} at session "
            f"{change.get('session')}; mixed run: {len(cells)} cells keep the old version"
            + (f" ({', '.join(map(str, cells))})" if cells else ""))


def _short(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- renderers -------------------------------------------------------------------------------------------

_ARROW_MD = {"up": " ↑", "down": " ↓"}
_ARROW_TEX = {"up": r" $\uparrow$", "down": r" $\downarrow$"}


def _md_cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def to_markdown(table: Table, heading_level: int = 3) -> str:
    """GitHub-flavoured Markdown table with its title as a heading and notes below."""
    dirs = table.directions or [None] * len(table.columns)
    head = [_md_cell(c) + _ARROW_MD.get(d or "", "") for c, d in zip(table.columns, dirs)]
    align = ["---" if i == 0 or d is None else "---:" for i, d in enumerate(dirs)]
    lines = [f"{'#' * heading_level} {_md_cell(table.title)}", "", "| " + " | ".join(head) + " |",
             "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(c.md() if isinstance(c, Cell) else _md_cell(c) for c in row) + " |"
              for row in table.rows]
    if not table.rows:
        lines.append("| " + " | ".join("–" for _ in table.columns) + " |")
    lines += [""] + [f"*{_md_cell(n)}*" for n in table.notes]
    return "\n".join(lines).rstrip() + "\n"


_TEX_SPECIAL = {
    # OT1 has no glyphs for \\textless, \\textbar and friends (they would pull in a T1 bitmap font): math symbols
    "\\": r"$\backslash$", "&": r"\&", "%": r"\%", "$": r"{\char36}", "#": r"\#", "_": r"\_", "{": r"$\{$",
    "}": r"$\}$", "~": r"\~{}", "^": r"\^{}", "<": r"$<$", ">": r"$>$", "|": r"$|$", "–": "--", "—": "---",
    "…": r"\ldots{}", "↑": r"$\uparrow$", "↓": r"$\downarrow$",
    "†": r"$^{\dagger}$", "×": r"$\times$", "±": r"$\pm$", "≤": r"$\leq$", "≥": r"$\geq$", "−": "-",
    "·": r"$\cdot$", "→": r"$\rightarrow$", "∞": r"$\infty$", "α": r"$\alpha$", "Δ": r"$\Delta$",
    "\u00a0": "~",
}


_TEX_ACCENTS = {"\u0301": "\\'", "\u0300": "\\`", "\u0308": '\\"', "\u0302": "\\^", "\u0303": "\\~",
                "\u0327": "\\c", "\u030a": "\\r", "\u0304": "\\=", "\u030c": "\\v", "\u0306": "\\u"}


def _tex_char(ch: str) -> str:
    """One character for pdflatex's default (OT1, Type 1) fonts: specials escaped, accented letters as accent
    commands, anything else outside ASCII as '?'."""
    if ch in _TEX_SPECIAL:
        return _TEX_SPECIAL[ch]
    if ord(ch) < 0x80:
        return ch
    if ch == "ß":
        return r"{\ss}"
    base, *marks = unicodedata.normalize("NFD", ch)
    if ord(base) < 0x80 and len(marks) == 1 and marks[0] in _TEX_ACCENTS and base.isalpha():
        return _TEX_ACCENTS[marks[0]] + "{" + base + "}"
    return "?"


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters so any string (names, models, notes) is safe in a tabular cell;
    accented letters become accent commands, other non-ASCII characters '?', and '--' stays two hyphens."""
    raw = str(text).replace("\r", " ").replace("\n", " ")
    out = []
    for i, ch in enumerate(raw):
        out.append("{}-" if ch == "-" and i and raw[i - 1] == "-" else _tex_char(ch))  # "--" is not an en dash
    return "".join(out)


def _tex_parts(table: Table) -> tuple[str, str, list[str]]:
    """Column spec, header line and body lines of a table."""
    dirs = table.directions or [None] * len(table.columns)
    spec = table.tex_spec or "".join("l" if d is None else "r" for d in dirs)
    head = " & ".join(latex_escape(c) + _ARROW_TEX.get(d or "", "") for c, d in zip(table.columns, dirs))
    body = [" & ".join(c.tex() if isinstance(c, Cell) else latex_escape(c) for c in row) + r" \\"
            for row in table.rows]
    return spec, head, body


def to_longtable(table: Table) -> str:
    """A booktabs longtable (needs \\usepackage{longtable}) for tables too long for one page."""
    spec, head, body = _tex_parts(table)
    lines = [r"{\small", rf"\begin{{longtable}}{{{spec}}}",
             rf"\caption{{{latex_escape(table.title)}}}" + (rf"\label{{tab:{table.key}}}" if table.key else "")
             + r" \\", r"\toprule", head + r" \\", r"\midrule", r"\endhead", *body, r"\bottomrule",
             r"\end{longtable}}"]
    lines += [r"{\footnotesize " + " ".join(latex_escape(n) for n in table.notes) + r"\par}"] if table.notes else []
    return "\n".join(lines) + "\n"


def to_latex(table: Table, placement: str = "t") -> str:
    """A booktabs table (needs \\usepackage{booktabs,graphicx}) with a caption, ready to paste or \\input."""
    spec, head, body = _tex_parts(table)
    label = f"tab:{table.key}" if table.key else ""
    # shrink to the line width only when wider (\width is the box's natural width inside \resizebox)
    lines = [rf"\begin{{table}}[{placement}]", r"\centering", r"\small",
             rf"\caption{{{latex_escape(table.title)}}}" + (rf"\label{{{label}}}" if label else ""),
             r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{"
             + rf"\begin{{tabular}}{{{spec}}}", r"\toprule", head + r" \\", r"\midrule", *body, r"\bottomrule",
             r"\end{tabular}}"]
    if table.notes:
        lines.append(r"\par\smallskip\footnotesize " + " ".join(latex_escape(n) for n in table.notes))
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
