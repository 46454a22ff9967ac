"""Self-contained HTML report: inline CSS, plots as data: URIs, every generated string escaped by Jinja2 and
review text rendered as sanitised markdown (harness.report.review_view)."""

from __future__ import annotations

import base64
from importlib import resources
from typing import TYPE_CHECKING, Any

import jinja2
import polars as pl
from markupsafe import Markup, escape

from harness.models import CitationVerdict
from harness.report.ref_classes import reference_classes, with_classes
from harness.report.review_view import VERDICT_LABELS, VERDICTS, build_view, parse_details
from harness.report.significance import PAIRWISE_NOTE
from harness.report.tables import fmt

if TYPE_CHECKING:
    from harness.report.assemble import ReportParts

VERDICT_SCORE = "citations.on_topic_rate"


def template_env(*packages: str) -> jinja2.Environment:
    """Autoescaping Jinja2 over the templates of the given packages (first match wins; the report's own last),
    with the globals the table macros use."""

    def load(name: str) -> str | None:
        for pkg in (*packages, "harness.report"):
            path = resources.files(pkg).joinpath(name)
            if path.is_file():
                return path.read_text("utf-8")
        return None

    env = jinja2.Environment(loader=jinja2.FunctionLoader(load), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=False, lstrip_blocks=False)
    env.globals["is_best"] = lambda cell: bool(getattr(cell, "best", False))
    env.globals["breakable"] = lambda text: Markup(str(escape(text)).replace(".", ".<wbr>"))
    return env


def usage_meta(gen: dict[str, Any]) -> str:
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
                verdicts = CitationVerdict.read_list(parse_details(r["details"]).get("verdicts"))
        classes, by_key = reference_classes(rows)
        entry_keys = {str(e.get("key")) for e in ((gen.get("review") or {}).get("references") or [])
                      if isinstance(e, dict)}
        view = with_classes(build_view(gen.get("review"), verdicts), by_key, entry_keys)
        flags = gen.get("flags") or []
        items.append({
            "task": str(gen.get("task_id")), "generator": str(gen.get("generator")), "seed": gen.get("seed"),
            "error": gen.get("error") or "",
            "flags": ", ".join(map(str, flags)) if isinstance(flags, list) else str(flags),
            "meta": usage_meta(gen) + ("" if view.verdict_source == "scorer" else
                                        " · citation colours from reference resolution (no relevance verdicts)"
                                        if view.verdict_source == "resolution" else ""),
            "plan": (gen.get("review") or {}).get("plan") or "",
            "view": view,
            "counts": [(v, view.counts[v]) for v in (*VERDICTS, "unknown") if view.counts.get(v)],
            "ref_classes": classes,
            "scores": [{"score": r["score"], "value": fmt(r["value"]) if r["value"] is not None else "–",
                        "status": r["status"], "status_cls": r["status"] if r["status"] in
                        ("ok", "not_applicable", "error") else "error", "explanation": r["explanation"] or ""}
                       for r in sorted(rows, key=lambda r: r["score"])],
        })
    return items


def render_report(parts: "ReportParts", created: str) -> str:
    """The whole report as one HTML string with no external resources: failures banner first, then the
    leaderboard, the marked means, the pairwise matrices, cost, plots, per task, run and every review."""
    css = resources.files("harness.report").joinpath("report.css").read_text("utf-8")
    template = template_env().get_template("report.html.j2")
    return template.render(
        title=parts.title, subtitle=f"{' '.join(parts.notes)} Generated {created}.",
        css=Markup(css.replace("</", "<\\/")),
        failures=parts.failures, failure_table=parts.failure_table,
        leaderboard=parts.leaderboard, main=parts.main, matrices=parts.matrices, pairwise_note=PAIRWISE_NOTE,
        cost_tables=parts.cost_tables, per_task=parts.per_task,
        support_tables=[*parts.support_tables, *parts.other_tables], manifest_tables=parts.manifest_tables,
        judge_table=parts.judge_table,
        figures=[{"name": f.name, "title": f.title, "caption": f.caption,
                  "uri": "data:image/png;base64," + base64.b64encode(f.png).decode("ascii")} for f in parts.figures],
        plot_notes=parts.plot_notes,
        generations=_generation_items(parts.generations, parts.scores, parts.generators),
        legend=[{"cls": v, "label": VERDICT_LABELS[v]} for v in VERDICTS],
    )
