"""Rebuild the "How far to trust each metric" table of docs/judges.md and the shipped judge cards, with one command.

    python scripts/trust_table.py [--only SET,...] [--llm-model MODEL --llm-limit N] [--no-write]

Every registered built-in judge method is validated (`harness judges validate`'s own code: harness.judges.run)
on every shipped label set of its judge; each card is written to harness/judges/cards/ (what reports of runs
made without a validation of their own show) and one row per (method, set) goes into docs/judges.md between
the trust-table markers. A method whose model is not on this machine gets the row "no model offline" with the
command to run once the model is downloaded; the llm method runs only with --llm-model (a paid or local judge;
--llm-limit N draws a stratified sample).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from harness.core.errors import HarnessError  # noqa: E402
from harness.judges.cards import SHIPPED_DIR, JudgeCard  # noqa: E402
from harness.judges.labelsets import SHIPPED, load_labels  # noqa: E402
from harness.judges.paid import judge_calls_for  # noqa: E402
from harness.judges.run import method_entry, validate_card  # noqa: E402
from harness.scorers import ScoringContext  # noqa: E402
from harness.scorers.context import ScoringSuite  # noqa: E402
from harness.scorers.judge_methods import BUILTIN, RELEVANCE_METHODS, SUPPORT_METHODS  # noqa: E402

TABLE_DOC = REPO / "docs" / "judges.md"  # the table lives here, between START and END
START, END = "<!-- trust-table:start -->", "<!-- trust-table:end -->"
HEAD = ("| judge (method) | label set (whose labels) | n (yes/no/unclear) | coverage | AUROC | balanced accuracy "
        "| Cohen's κ | TPR | TNR |\n|---|---|---|---|---|---|---|---|---|")


def row(card: JudgeCard) -> str:
    """One table row of a card's overall figures (95% CIs in brackets)."""
    o, ls = card.figures.overall, card.label_set
    name = f"{card.judge} ({card.method}{', ' + card.model if card.model and card.method != 'similarity' else ''})"
    sample = f", sample of {ls.limit}" if ls.limit else ""
    return (f"| {name} | {ls.name} {ls.split or ''}{sample} ({ls.who}) | {o.n} ({o.counts['yes']}/{o.counts['no']}/"
            f"{o.counts['unclear']}) | " + " | ".join(getattr(o, k).text() for k in (
                "coverage", "auroc", "balanced_accuracy", "kappa", "tpr", "tnr")) + " |")


def missing_row(judge: str, method: str, name: str, why: str, command: str) -> str:
    return f"| {judge} ({method}) | {name} | – | {why}: `{command}` | | | | | |"


def validate_one(judge: str, method: str, name: str, model: str | None, limit: int | None,
                 suite: dict) -> tuple[str, JudgeCard | None]:
    """(table row, card) of one method on one shipped set; a row naming the command when it cannot run here."""
    entry = method_entry(judge, method)
    cmd = f"harness judges validate --judge {judge} --method {method} --labels {name}"
    if method == "llm" and not model:
        return missing_row(judge, method, name, "needs a judge model", cmd + " --model MODEL --limit 100 "
                           "--budget-usd 1"), None
    try:
        with judge_calls_for(entry, None) as calls:
            ctx = ScoringContext(judge_calls=calls, judge_model=model, suite=ScoringSuite.from_env())
            card, _ = validate_card(load_labels(name), judge, method, model, ctx, suite, limit)
    except HarnessError as exc:
        if method == "nli":
            return missing_row(judge, method, name, "no model offline", cmd + " --model PATH_OR_HUB_ID"), None
        return missing_row(judge, method, name, f"cannot run here ({exc.message[:80]})", cmd), None
    return row(card), card


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated shipped sets (default: all)")
    ap.add_argument("--llm-model", help="also validate the llm support method with this litellm model")
    ap.add_argument("--llm-limit", type=int, default=100, help="labels per set for the llm method (stratified)")
    ap.add_argument("--no-write", action="store_true", help="print the table; write neither cards nor docs")
    args = ap.parse_args(argv)
    from harness.tasks.suite import load_suite

    suite = load_suite()
    only = set(args.only.split(",")) if args.only else set(SHIPPED)
    rows, made = [], []
    for judge, methods in BUILTIN.items():
        registry = SUPPORT_METHODS if judge == "support" else RELEVANCE_METHODS
        for method in (m for m in methods if m in registry):
            for name in (n for n, s in SHIPPED.items() if s.judge == judge and n in only):
                t0 = time.perf_counter()
                model = args.llm_model if method == "llm" else None
                r, card = validate_one(judge, method, name, model, args.llm_limit if method == "llm" else None,
                                       suite)
                print(f"{r}   ({time.perf_counter() - t0:.1f} s)", flush=True)
                rows.append(r)
                if card is not None:
                    made.append((f"{judge}-{method}-{name}.json", card))
    table = "\n".join([HEAD, *rows])
    if args.no_write:
        print(table)
        return 0
    if not args.only:  # a full rebuild replaces the shipped cards
        shutil.rmtree(SHIPPED_DIR, ignore_errors=True)
    SHIPPED_DIR.mkdir(parents=True, exist_ok=True)
    for fname, card in made:
        (SHIPPED_DIR / fname).write_text(card.model_dump_json(indent=1) + "\n", encoding="utf-8")
    text = TABLE_DOC.read_text(encoding="utf-8")
    if START in text and END in text and not args.only:
        head, rest = text.split(START, 1)
        TABLE_DOC.write_text(head + START + "\n" + table + "\n" + END + rest.split(END, 1)[1], encoding="utf-8")
        print(f"{TABLE_DOC.relative_to(REPO)} table rewritten ({len(rows)} rows); {len(made)} cards in {SHIPPED_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
