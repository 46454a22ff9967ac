"""The viewer's ASGI app (Starlette): leaderboard, task, review and failures pages, and the label endpoints.

Read-only on the runs except RUN/annotations.jsonl. Every page carries a strict Content-Security-Policy (scripts
and styles from the app only, no request elsewhere); model text reaches a page only through autoescaped
templates, the sanitising markdown renderer, or JSON read by a script that writes it as text. Writes need the
per-session token the pages carry and JSON bodies; cells, runs and static files are looked up by name in what
was loaded, never as paths.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import polars as pl
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from harness.core.errors import HarnessError
from harness.scorers.context import ScoringSuite
from harness.report.assemble import choose_metrics
from harness.report.html import template_env, usage_meta
from harness.report.ref_classes import reference_classes
from harness.report.review_view import VERDICT_LABELS, VERDICTS
from harness.report.stats import N_BOOT
from harness.report.tables import fmt
from harness.view import labels
from harness.view.data import ViewData, cell_parts
from harness.view.evidence import ReviewEvidence, review_evidence
from harness.view.rankings import Filters, Rankings, filtered, judge_lines, rankings

PAGE_SIZE = 50
MAX_BODY = 64_000
STATIC = {"view.js": ("harness.view", "static/view.js", "text/javascript"),
          "view.css": ("harness.view", "static/view.css", "text/css"),
          "report.css": ("harness.report", "report.css", "text/css")}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "Cache-Control": "no-store"}


@dataclass
class ViewState:
    """The loaded runs, the session's write token and annotator, and caches of computed tables."""

    data: ViewData
    annotator: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    n_boot: int = N_BOOT
    _rankings: OrderedDict = field(default_factory=OrderedDict)
    _evidence: OrderedDict = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _compute: threading.Lock = field(default_factory=threading.Lock)
    _ev_lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: set = field(default_factory=set)

    def rankings(self, f: Filters, wait: bool = True) -> Rankings:
        """The leaderboard for a filter, computed once (the last 32 filters are kept). wait=False returns at once
        with the pairwise tests left out while another thread computes the whole table (pages reload for it)."""
        with self._lock:
            if f in self._rankings:
                self._rankings.move_to_end(f)
                return self._rankings[f]
        if not wait:
            with self._lock:
                quick = f not in self._pending
                self._pending.add(f)
            if quick:
                threading.Thread(target=self._full, args=(f,), daemon=True).start()
            return rankings(self.data.scores, self.data.manifest, f, n_boot=self.n_boot, tests=False)
        return self._full(f)

    def _full(self, f: Filters) -> Rankings:
        with self._compute:  # one full computation at a time: two would only share the same cores
            with self._lock:
                if f in self._rankings:
                    return self._rankings[f]
            full = rankings(self.data.scores, self.data.manifest, f, n_boot=self.n_boot)
            with self._lock:
                self._rankings[f] = full
                self._pending.discard(f)
                if len(self._rankings) > 32:
                    self._rankings.popitem(last=False)
            return full

    def warm(self) -> None:
        """Compute what the first pages need (the whole leaderboard, the paper index) before they are asked for."""
        try:
            self.rankings(Filters())
            ScoringSuite.from_env().known()
        except Exception:  # noqa: BLE001 — the request that needs it will compute it again and say what failed
            pass

    def evidence(self, cell: str) -> ReviewEvidence:
        """A cell's citations and judges' evidence, computed once (the last 16 cells are kept)."""
        with self._ev_lock:
            if cell not in self._evidence:
                self._evidence[cell] = review_evidence(self.data.generations.get(cell) or {},
                                                       self.data.cell_rows(cell), self.data.task(cell),
                                                       ScoringSuite.from_env().known())
                if len(self._evidence) > 16:
                    self._evidence.popitem(last=False)
            return self._evidence[cell]


def _json_script(value: Any) -> Markup:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' can close or open a tag."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def _page(request: Request, name: str, **context: Any) -> HTMLResponse:
    state: ViewState = request.app.state.view
    html = request.app.state.env.get_template(name).render(
        token=state.token, annotator=state.annotator, runs=state.data.runs,
        n_failed=sum(g.count for g in state.data.failures), **context)
    return HTMLResponse(html, headers=HEADERS)


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=HEADERS)


def _filters(request: Request, data: ViewData) -> Filters:
    q = request.query_params
    return Filters(tasks=tuple(t for t in q.getlist("task") if t in data.tasks),
                   generators=tuple(g for g in q.getlist("generator") if g in data.generators),
                   metrics=tuple(m for m in q.getlist("metric") if m in data.metrics))


def _cell_table(data: ViewData, f: Filters, metrics: list[str], page: int, sort: str, desc: bool) -> dict[str, Any]:
    """One page of the filtered cells with their values on the shown metrics, sorted server-side."""
    sub = filtered(data.scores, f).filter(pl.col("score").is_in(metrics))
    ok = sub.with_columns(pl.when(pl.col("status") == "ok").then(pl.col("value")).otherwise(None).alias("v"))
    wide = ok.pivot(on="score", index=["cell", "task_id", "generator", "seed"], values="v",
                    aggregate_function="first") if ok.height else pl.DataFrame(
        schema={"cell": pl.Utf8, "task_id": pl.Utf8, "generator": pl.Utf8, "seed": pl.Int64})
    key = sort if sort in wide.columns else "task_id"
    by = list(dict.fromkeys([key, "task_id", "generator", "seed"]))
    wide = wide.sort(by, descending=[desc] + [False] * (len(by) - 1), nulls_last=True)
    pages = max(1, -(-wide.height // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = wide.slice((page - 1) * PAGE_SIZE, PAGE_SIZE).to_dicts()
    return {"rows": [{"cell": r["cell"], "task": r["task_id"], "generator": r["generator"], "seed": r["seed"],
                      "vals": [fmt(r.get(m)) if r.get(m) is not None else "–" for m in metrics]} for r in rows],
            "page": page, "pages": pages, "total": wide.height, "sort": key, "desc": desc}


def _judge_notes(state: ViewState, metrics: list[str]) -> dict[str, list[str]]:
    """metric -> its judge lines and, where people labelled its verdicts here, their agreement."""
    lines = judge_lines(state.data.scores, metrics)
    records = [r for run in state.data.runs for r in labels.read(run.annotations)]
    for (score, method), c in labels.agreement_counts(records).items():
        decided = c["agree"] + c["disagree"]
        share = f"{c['agree'] / decided:.2f}" if decided else "–"
        lines.setdefault(score, []).append(
            f"{sum(c.values())} human label(s) of {method or 'its'} verdicts here: agreement {share} "
            f"({c['agree']} agree, {c['disagree']} disagree, {c['unsure']} unsure)")
    return {m: v for m, v in lines.items() if m in metrics}


def leaderboard_page(request: Request) -> Response:
    state: ViewState = request.app.state.view
    data = state.data
    f = _filters(request, data)
    try:
        r = state.rankings(f, wait=False)
    except HarnessError as exc:
        return _error(400, str(exc))
    q = request.query_params
    page = int(q.get("page")) if (q.get("page") or "").isdigit() else 1
    cells = _cell_table(data, f, r.metrics, page, q.get("sort") or "task_id", q.get("desc") == "1")
    base = [(k, v) for k, v in q.multi_items() if k not in ("page", "sort", "desc")]
    return _page(request, "templates/leaderboard.html.j2", title="Leaderboard", data=data, f=f, r=r, cells=cells,
                 base_query=base, judges=_judge_notes(state, r.metrics), notes=data.notes)


def _review_context(state: ViewState, cell: str) -> dict[str, Any]:
    gen = state.data.generations.get(cell) or {}
    ev = state.evidence(cell)
    rows = state.data.cell_rows(cell)
    task, generator, seed = cell_parts(cell)
    return {"cell": cell, "task": task, "generator": generator, "seed": seed, "ev": ev,
            "evidence": _json_script(ev.as_json()), "meta": usage_meta(gen), "error": gen.get("error") or "",
            "plan": (gen.get("review") or {}).get("plan") or "", "flags": ", ".join(map(str, gen.get("flags") or [])),
            "classes": reference_classes(rows)[0],
            "run": state.data.run_of.get(cell), "counts": [(v, ev.view.counts[v]) for v in (*VERDICTS, "unknown")
                                                          if ev.view.counts.get(v)],
            "scores": [{"score": x["score"], "value": fmt(x["value"]) if x["value"] is not None else "–",
                        "status": x["status"], "explanation": x["explanation"] or ""} for x in rows]}


def _known_cell(state: ViewState, cell: str | None) -> bool:
    return bool(cell) and (cell in state.data.generations or cell in state.data.run_of)


def review_page(request: Request) -> Response:
    state: ViewState = request.app.state.view
    cell = request.query_params.get("cell")
    if not _known_cell(state, cell):
        return _error(404, "no such cell in the loaded runs")
    return _page(request, "templates/review.html.j2", title=f"Review {cell}", r=_review_context(state, cell),
                 criteria=labels.CRITERIA, legend=[(v, VERDICT_LABELS[v]) for v in VERDICTS])


def task_page(request: Request) -> Response:
    state: ViewState = request.app.state.view
    data = state.data
    task = request.query_params.get("id")
    if task not in data.tasks:
        return _error(404, "no such task in the loaded runs")
    cells = [c for c in data.cells() if cell_parts(c)[0] == task]
    metrics = choose_metrics(sorted(set(filtered(data.scores, Filters(tasks=(task,)))["score"].to_list())), None)
    table = _cell_table(data, Filters(tasks=(task,)), metrics, 1, "generator", False)
    picked = [c for c in (request.query_params.get("a"), request.query_params.get("b")) if c in cells]
    picked = (picked + [c for c in cells if c not in picked])[:2]
    return _page(request, "templates/task.html.j2", title=f"Task {task}", task=task, cells=cells, metrics=metrics,
                 table=table, panes=[_review_context(state, c) for c in picked],
                 legend=[(v, VERDICT_LABELS[v]) for v in VERDICTS])


def failures_page(request: Request) -> Response:
    state: ViewState = request.app.state.view
    groups = [{"group": g, "cells": [(c, state.data.errors.get(c, "")) for c in g.cells]}
              for g in state.data.failures]
    return _page(request, "templates/failures.html.j2", title="Failures", groups=groups)


def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC:
        return _error(404, "no such file")
    package, path, media = STATIC[name]
    return Response(resources.files(package).joinpath(path).read_bytes(), media_type=media, headers=HEADERS)


def api_review(request: Request) -> Response:
    state: ViewState = request.app.state.view
    cell = request.query_params.get("cell")
    if not _known_cell(state, cell):
        return _error(404, "no such cell in the loaded runs")
    ctx = _review_context(state, cell)
    return JSONResponse({"cell": cell, "run": ctx["run"].run_id if ctx["run"] else None,
                         "evidence": ctx["ev"].as_json(), "scores": ctx["scores"]}, headers=HEADERS)


def api_leaderboard(request: Request) -> Response:
    state: ViewState = request.app.state.view
    r = state.rankings(_filters(request, state.data))
    return JSONResponse({"columns": r.leaderboard.columns, "rows": [[str(c) for c in row] for row in
                                                                     r.leaderboard.rows],
                         "metrics": r.metrics, "cells": r.cells}, headers=HEADERS)


def api_labels(request: Request) -> Response:
    state: ViewState = request.app.state.view
    return JSONResponse({run.run_id: labels.read(run.annotations) for run in state.data.runs}, headers=HEADERS)


async def _body(request: Request) -> dict[str, Any] | Response:
    """The JSON body of a write, after the token, content type and size checks."""
    state: ViewState = request.app.state.view
    if not hmac.compare_digest(request.headers.get("x-harness-token", ""), state.token):
        return _error(403, "missing or wrong session token")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return _error(415, "send application/json")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return _error(413, "request too large")
    try:
        body = json.loads(raw)
    except ValueError:
        return _error(400, "invalid JSON")
    if not isinstance(body, dict) or not _known_cell(state, body.get("cell")):
        return _error(404, "no such cell in the loaded runs")
    return body


async def api_label(request: Request) -> Response:
    state: ViewState = request.app.state.view
    body = await _body(request)
    if isinstance(body, Response):
        return body
    cell, agreement = body["cell"], body.get("agreement")
    if agreement not in ("agree", "disagree", "unsure") or not isinstance(body.get("citation"), int):
        return _error(400, "give citation (its index), key, score and agreement (agree|disagree|unsure)")
    found = state.evidence(cell).verdict(body["citation"], str(body.get("key")), str(body.get("score")))
    if found is None:
        return _error(404, "no such verdict on this citation")
    run = state.data.run_of[cell]
    try:
        record = labels.verdict_label(run=run.run_id, cell=cell, task_id=cell_parts(cell)[0],
                                      topic=state.evidence(cell).topic, ref=found[0], verdict=found[1],
                                      agreement=agreement, annotator=state.annotator)
    except HarnessError as exc:
        return _error(400, str(exc))
    return JSONResponse({"written": labels.append(run.annotations, record), "file": str(run.annotations)},
                        headers=HEADERS)


async def api_rating(request: Request) -> Response:
    state: ViewState = request.app.state.view
    body = await _body(request)
    if isinstance(body, Response):
        return body
    given = body.get("ratings") if isinstance(body.get("ratings"), dict) else {}
    ratings = {k: v for k, v in given.items() if k in labels.CRITERIA and isinstance(v, int) and 1 <= v <= 5}
    if len(ratings) != len(given) or not ratings:
        return _error(400, f"ratings: 1-5 for any of {', '.join(labels.CRITERIA)}")
    comment = body.get("comment") if isinstance(body.get("comment"), str) else ""
    run = state.data.run_of[body["cell"]]
    record = labels.Rating(id=f"rating-{secrets.token_hex(8)}", annotator=state.annotator, time=labels.now(),
                           run=run.run_id, cell=body["cell"], ratings=ratings, comment=comment[:5000])
    return JSONResponse({"written": labels.append(run.annotations, record), "file": str(run.annotations)},
                        headers=HEADERS)


def create_app(data: ViewData, *, annotator: str, allowed_hosts: list[str] | None = None,
               n_boot: int = N_BOOT) -> Starlette:
    """The viewer app over loaded runs; requests naming another host are refused (DNS rebinding)."""
    routes = [Route("/", leaderboard_page), Route("/task", task_page), Route("/review", review_page),
              Route("/failures", failures_page), Route("/static/{name}", static_file),
              Route("/api/review", api_review), Route("/api/leaderboard", api_leaderboard),
              Route("/api/labels", api_labels), Route("/api/label", api_label, methods=["POST"]),
              Route("/api/rating", api_rating, methods=["POST"])]
    hosts = allowed_hosts or ["127.0.0.1", "localhost"]
    app = Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)])
    app.state.view = ViewState(data=data, annotator=annotator, n_boot=n_boot)
    app.state.env = template_env("harness.view")
    return app
