"""The report's "How far to trust the judged scores" table: per judged score, its judge's agreement with people.

One row per judged score shown (its family declares the judge, harness.scorers.family) and per judge method
that produced it: the line of the judge card the run recorded in its manifest, else the newest card of that
method (harness.judges.trust), else "not validated".
"""

from __future__ import annotations

from typing import Any

import polars as pl

from harness.judges.trust import trust_line, uses_in_scores
from harness.report.tables import Table
from harness.scorers.family import judge_of

TITLE = "How far to trust the judged scores"


def judge_table(scores: pl.DataFrame, metrics: list[str], manifests: list[dict[str, Any]]) -> Table | None:
    """The table, or None when no score shown is a judged one."""
    judged = [m for m in metrics if judge_of(m) is not None]
    if not judged:
        return None
    rows = (scores.filter(pl.col("score").is_in(judged) & (pl.col("status") != "error"))
            .select("score", "details").unique(maintain_order=True).iter_rows())
    uses = uses_in_scores(rows)
    recorded = {(c.get("judge"), c.get("method"), c.get("model")): c.get("line") for m in manifests
                for c in (m.get("judge_cards") or []) if isinstance(c, dict)}
    out = []
    for metric in judged:
        here = [u for u in uses if metric in u.metrics] or [u for u in uses_in_scores([(metric, {})])]
        for u in here:
            line = recorded.get((u.judge, u.method, u.model)) or trust_line(u.judge, u.method, u.model)
            out.append([metric, u.judge, line])
    return Table(title=TITLE, columns=["score", "judge", "agreement of the judge with people (95% CI)"], rows=out,
                 directions=[None, None, None], key="judge-trust", tex_spec=r"p{5cm}p{2cm}p{14cm}",
                 notes=["Each judged score counts a judge's verdicts; the line is that judge method's judge card "
                        "(`harness judges validate`): balanced accuracy and AUROC against human labels. "
                        "A judge without a card is not validated: read its score as unmeasured."])
