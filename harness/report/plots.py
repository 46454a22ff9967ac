"""Report figures (matplotlib, Agg): cost vs quality with the Pareto front, and a tasks x generators heatmap."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from typing import Any

import numpy as np

from harness.report.metrics import higher_is_better
from harness.report.tables import MetricSummary


@dataclass
class Figure:
    """A rendered PNG and what it shows."""

    name: str
    title: str
    png: bytes
    caption: str


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of points no other point beats: lower-or-equal cost and higher-or-equal quality, one strictly."""
    front = []
    for i, (c, q) in enumerate(points):
        dominated = any((c2 <= c and q2 >= q) and (c2 < c or q2 > q) for j, (c2, q2) in enumerate(points) if j != i)
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def _pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, imported when a figure is drawn (it costs ~0.2 s to import)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def cost_quality_plot(summaries: list[MetricSummary], quality: str, cost: str) -> Figure | None:
    """Scatter of mean cost vs mean quality per generator, CIs as error bars, Pareto-optimal ones marked."""
    idx = {(s.generator, s.metric): s for s in summaries}
    gens = [g for g in dict.fromkeys(s.generator for s in summaries)
            if idx.get((g, quality)) and idx[(g, quality)].n and idx.get((g, cost)) and idx[(g, cost)].n]
    if not gens:
        return None
    pts = [(idx[(g, cost)].estimate.mean, idx[(g, quality)].estimate.mean) for g in gens]
    if not higher_is_better(quality):  # the front wants "more is better" on the y axis
        pts_for_front = [(c, -q) for c, q in pts]
    else:
        pts_for_front = pts
    front = pareto_front(pts_for_front)
    fig, ax = _pyplot().subplots(figsize=(6.4, 4.4))
    for i, g in enumerate(gens):
        qe, ce = idx[(g, quality)].estimate, idx[(g, cost)].estimate
        on_front = i in front
        ax.errorbar(ce.mean, qe.mean, xerr=[[ce.mean - ce.lo], [ce.hi - ce.mean]],
                    yerr=[[qe.mean - qe.lo], [qe.hi - qe.mean]], fmt="o" if on_front else "s",
                    ms=9 if on_front else 6, color="#c0392b" if on_front else "#34495e",
                    ecolor="#95a5a6", elinewidth=1, capsize=3, zorder=3)
        ax.annotate(g, (ce.mean, qe.mean), textcoords="offset points", xytext=(6, 6), fontsize=8)
    if len(front) >= 1:
        fx = [pts[i][0] for i in front]
        fy = [pts[i][1] for i in front]
        ax.step(fx, fy, where="post", color="#c0392b", lw=1.5, ls="--", label="Pareto front", zorder=2)
        ax.legend(loc="best", fontsize=8)
    ax.set_xlabel(f"{cost} (mean per cell, lower is better)")
    ax.set_ylabel(f"{quality} (mean, {'higher' if higher_is_better(quality) else 'lower'} is better)")
    ax.set_title("Cost vs quality")
    ax.grid(alpha=0.3)
    if all(p[0] == 0 for p in pts):  # e.g. offline baselines and local models only
        ax.set_xlim(-1, 1)
        ax.set_xticks([0])
        ax.set_xlabel(f"{cost} (every generator costs 0)")
    return Figure("cost_quality", "Cost vs quality", _png(fig),
                  f"Mean {cost} vs mean {quality} per generator with 95% CIs; red circles joined by the dashed "
                  "line are Pareto-optimal (no generator is both cheaper and better).")


def heatmap_plot(matrix: dict[tuple[str, str], float | None], tasks: list[str], generators: list[str],
                 metric: str) -> Figure | None:
    """Tasks x generators heatmap of one metric's per-task mean; blank cells have no value (n/a or error)."""
    if not tasks or not generators:
        return None
    data = np.array([[matrix.get((t, g)) if matrix.get((t, g)) is not None else math.nan for g in generators]
                     for t in tasks], dtype=float)
    if np.all(np.isnan(data)):
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(generators), 1.2 + 0.42 * len(tasks)))
    cmap = plt.get_cmap("viridis" if higher_is_better(metric) else "viridis_r").with_extremes(bad="#eeeeee")
    im = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, aspect="auto")
    ax.set_xticks(range(len(generators)), labels=generators, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(tasks)), labels=tasks, fontsize=8)
    finite = data[np.isfinite(data)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0
    for i in range(len(tasks)):
        for j in range(len(generators)):
            v = data[i, j]
            text = "n/a" if math.isnan(v) else (f"{v:.2f}" if abs(v) >= 0.01 or v == 0 else f"{v:.1e}")
            dark = not math.isnan(v) and ((v < mid) == higher_is_better(metric))
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_title(f"{metric} per task")
    return Figure(f"heatmap_{metric.replace('.', '_')}", f"{metric} per task", _png(fig),
                  f"Mean {metric} over seeds for each task and generator (grey: no value).")
