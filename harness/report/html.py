"""Self-contained HTML report: inline CSS, plots as data: URIs, every generated string escaped by Jinja2."""

from __future__ import annotations

import base64
from importlib import resources
from typing import Any

import jinja2
import polars as pl
from markupsafe import Markup

from harness.report.metrics import higher_is_better
from harness.report.plots import Figure
from harness.report.review_view import VERDICT_LABELS, VERDICTS, build_view, parse_details
from harness.report.tables import MetricSummary, Table, fmt

VERDICT_SCORE = "citations.on_topic_rate"


def _env() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(lambda name: resources.files("harness.report").joinpath(name).read_text("utf-8"))
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=False, lstrip_blocks=False)


def _main_rows(summaries: list[MetricSummary], generators: list[str], metrics: list[str],
               cells: dict[str, int]) -> list[dict[str, Any]]:
    idx = {(s.generator, s.metric): s for s in summaries}
    best: dict[str, float] = {}
    for m in metrics:
        means = [idx[(g, m)].estimate.mean for g in generators if (g, m) in idx and idx[(g, m)].n]
        if len(means) > 1:
            best[m] = max(means) if higher_is_better(m) else min(means)
    rows = []
    for g in generators:
        total = cells.get(g, 0)
        row_cells = []
        for m in metrics:
            s = idx.get((g, m))
            if s is None:
                row_cells.append({"has": False, "counts": "", "best": False})
                continue
            e = s.estimate
            counts = []
            if s.n != total or s.n_na or s.n_error:
                counts.append(f"n={s.n}")
            if s.n_na:
                counts.append(f"{s.n_na} n/a")
            if s.n_error:
                counts.append(f"{s.n_error} err")
            row_cells.append({"has": bool(s.n), "mean": fmt(e.mean), "lo": fmt(e.lo), "hi": fmt(e.hi),
                              "counts": "; ".join(counts), "best": bool(s.n) and best.get(m) == e.mean})
        rows.append({"generator": g, "n": total, "cells": row_cells})
    return rows


def _usage_meta(gen: dict[str, Any]) -> str:
    review = gen.get("review") or {}
    usage = review.get("usage") or {}
    parts = []
    if usage.get("model"):
        parts.append(f"model {usage['model']}")
    if usage.get("input_tokens") is not None or usage.get("output_tokens") is not None:
        parts.append(f"tokens in {usage.get('input_tokens', '–')} / out {usage.get('output_tokens', '–')}")
    if usage.get("cost_usd") is not None:
        parts.append(f"cost ${fmt(usage['cost_usd'])} ({usage.get('cost_source') or 'source unknown'})")
    if review.get("finish_reason"):
        parts.append(f"finish reason {review['finish_reason']}")
    if gen.get("latency_s") is not None:
        parts.append(f"latency {fmt(gen['latency_s'])} s")
    if review.get("source_format"):
        parts.append(f"format {review['source_format']}")
    return " · ".join(parts)


def _generation_items(generations: list[dict[str, Any]], scores: pl.DataFrame,
                      generators: list[str]) -> list[dict[str, Any]]:
    by_cell: dict[str, list[dict[str, Any]]] = {}
    for r in scores.iter_rows(named=True):
        by_cell.setdefault(r["cell"], []).append(r)
    order = {g: i for i, g in enumerate(generators)}
    items = []
    for gen in sorted(generations, key=lambda g: (str(g.get("task_id")), order.get(g.get("generator"), 99),
                                                   g.get("seed") if isinstance(g.get("seed"), int) else 0)):
        cell = gen.get("cell") or f"{gen.get('task_id')}|{gen.get('generator')}|{gen.get('seed')}"
        rows = by_cell.get(cell, [])
        verdicts = None
        for r in rows:
            if r["score"] == VERDICT_SCORE:
                v = parse_details(r["details"]).get("verdicts")
                verdicts = v if isinstance(v, list) else None
        view = build_view(gen.get("review"), verdicts)
        flags = gen.get("flags") or []
        items.append({
            "task": str(gen.get("task_id")), "generator": str(gen.get("generator")), "seed": gen.get("seed"),
            "error": gen.get("error") or "",
            "flags": ", ".join(map(str, flags)) if isinstance(flags, list) else str(flags),
            "meta": _usage_meta(gen) + ("" if view.verdict_source == "scorer" else
                                        " · citation colours from reference resolution (no relevance verdicts)"
                                        if view.verdict_source == "resolution" else ""),
            "plan": (gen.get("review") or {}).get("plan") or "",
            "view": view,
            "counts": [(v, view.counts[v]) for v in (*VERDICTS, "unknown") if view.counts.get(v)],
            "scores": [{"score": r["score"], "value": fmt(r["value"]) if r["value"] is not None else "–",
                        "status": r["status"], "status_cls": r["status"] if r["status"] in
                        ("ok", "not_applicable", "error") else "error", "explanation": r["explanation"] or ""}
                       for r in sorted(rows, key=lambda r: r["score"])],
        })
    return items


def render_html(*, title: str, subtitle: str, summaries: list[MetricSummary], generators: list[str],
                metrics: list[str], cells: dict[str, int], main_table: Table, per_task: Table,
                manifest_tables: list[Table], figures: list[Figure], generations: list[dict[str, Any]],
                scores: pl.DataFrame, notes: list[str], plot_notes: list[str] | None = None) -> str:
    """The whole report as one HTML string with no external resources."""
    css = resources.files("harness.report").joinpath("report.css").read_text("utf-8")
    template = _env().get_template("report.html.j2")
    return template.render(
        title=title, subtitle=subtitle, css=Markup(css.replace("</", "<\\/")),
        main={"title": main_table.title, "notes": main_table.notes,
              "metrics": [{"name": m, "up": higher_is_better(m)} for m in metrics],
              "rows": _main_rows(summaries, generators, metrics, cells)},
        per_task=per_task, manifest_tables=manifest_tables,
        figures=[{"name": f.name, "title": f.title, "caption": f.caption,
                  "uri": "data:image/png;base64," + base64.b64encode(f.png).decode("ascii")} for f in figures],
        plot_notes=plot_notes or [],
        generations=_generation_items(generations, scores, generators),
        legend=[{"cls": v, "label": VERDICT_LABELS[v]} for v in VERDICTS],
        notes=notes,
    )

