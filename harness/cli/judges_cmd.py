"""`harness judges validate|list`: measure a judge method against human labels; list methods and their cards."""

from __future__ import annotations

import json
from typing import Optional

import typer

from harness.cli.app import app
from harness.core.errors import HarnessError
from harness.judges.cards import all_cards
from harness.judges.labelsets import load_labels
from harness.judges.paid import dry_run_estimate, judge_calls_for
from harness.judges.run import DEFAULT_METHOD, method_entry, sampled, validate_card
from harness.scorers import ScoringContext, ScoringSuite
from harness.scorers.judge_methods import RELEVANCE_METHODS, SUPPORT_METHODS
from harness.tasks.suite import load_suite

judges_app = typer.Typer(help="Measure the judges (support, relevance) against human labels; list them with "
                              "their judge cards.", no_args_is_help=True)
app.add_typer(judges_app, name="judges")

FIGURE_COLUMNS = (("coverage", "coverage"), ("auroc", "AUROC"), ("accuracy", "accuracy"),
                  ("balanced_accuracy", "bal. acc."), ("kappa", "kappa"), ("tpr", "TPR"), ("tnr", "TNR"))


@judges_app.command("validate")
def validate_cmd(
    judge: str = typer.Option(..., "--judge", help="support or relevance."),
    labels: str = typer.Option(..., "--labels", help="A shipped set (scifact, check-covid, expertqa, wice, "
                               "relevance-real-outputs) or a JSONL file of label records (RUN/annotations.jsonl)."),
    method: Optional[str] = typer.Option(None, "--method", help="A registered method (default: similarity for "
                                         "support, title_similarity for relevance); see `harness judges list`."),
    model: Optional[str] = typer.Option(None, "--model", help="nli: cross-encoder path or hub id; llm: litellm "
                                        "model."),
    split: Optional[str] = typer.Option(None, "--split", help="A shipped set's split (check-covid: train, dev, "
                                        "test; default test)."),
    limit: Optional[int] = typer.Option(None, "--limit", help="Validate on a seeded sample of N labels, "
                                        "stratified by label."),
    as_json: bool = typer.Option(False, "--json", help="Print the judge card (and per-item verdicts) as JSON."),
    budget_usd: Optional[float] = typer.Option(None, "--budget-usd", help="llm: stop calling the provider once "
                                               "this much is spent."),
    dry_run: bool = typer.Option(False, "--dry-run", help="llm: print the calls and estimated cost; call nothing."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Measure again even when a card of these inputs is "
                                  "cached."),
    api_base: Optional[str] = typer.Option(None, "--api-base", help="llm: the provider's API base."),
) -> None:
    """Run a judge method over human labels as scoring runs it, and print how far it agrees with them."""
    method = method or DEFAULT_METHOD.get(judge, "")
    entry = method_entry(judge, method)
    labelset = load_labels(labels, split)
    if entry.calls_provider and dry_run:
        typer.echo(dry_run_estimate(sampled(labelset, judge, limit), judge, method, model))
        return
    with judge_calls_for(entry, budget_usd, api_base) as calls:
        ctx = ScoringContext(judge_calls=calls, judge_model=model, judge_api_base=api_base,
                             suite=ScoringSuite.from_env())
        try:
            card, items = validate_card(labelset, judge, method, model, ctx, load_suite(), limit,
                                        use_cache=not no_cache)
        except HarnessError as exc:
            if exc.field != "scorers.support.model":
                raise
            # the method's own error names the run config's option; here the model is --model
            raise HarnessError(exc.message, field="--model",
                               hint=(exc.hint or "").replace("--support-model", "--model")) from None
    if as_json:
        out = card.model_dump(mode="json")
        out["items"] = [json.loads(x) for x in items.read_text(encoding="utf-8").splitlines()] if items else None
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(card_text(card))


def card_text(card) -> str:
    """A card as the terminal shows it: who, what, the figures over all items and per subgroup."""
    ls = card.label_set
    o = card.figures.overall
    lines = [f"{card.judge} ({card.method}{', ' + card.model if card.model else ''}) vs {ls.who}: {ls.name}"
             + (f" {ls.split}" if ls.split else "") + (f", sample of {ls.limit}" if ls.limit else ""),
             f"measures: {card.measures}",
             f"n {o.n} (yes {o.counts['yes']}, no {o.counts['no']}, unclear {o.counts['unclear']}); "
             f"calibration {card.calibration_id or 'none'}; card {card.key}; {card.date}", ""]
    head = ["group", "n", "yes/no"] + [c for _, c in FIGURE_COLUMNS]
    rows = [("all", o)] + list(card.figures.subgroups.items())
    table = [head] + [[g, str(f.n), f"{f.counts['yes']}/{f.counts['no']}"]
                      + [getattr(f, k).text() for k, _ in FIGURE_COLUMNS] for g, f in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    lines.append(f"95% bootstrap intervals ({card.figures.n_boot} resamples, seed {card.figures.seed}); "
                 "figures over items labelled yes or no; coverage = share given a verdict")
    if card.details.get("errors"):
        lines.append(f"judge errors, so this card is not cached (first): {card.details['errors'][0]}")
    return "\n".join(lines)


@judges_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print one JSON list.")) -> None:
    """The registered judge methods (plug-ins included), what each measures, and its latest card per label set."""
    cards = all_cards()
    rows = []
    for judge, reg in (("support", SUPPORT_METHODS), ("relevance", RELEVANCE_METHODS)):
        for name in reg.names():
            entry = method_entry(judge, name)
            latest: dict[str, object] = {}
            for c in cards:  # newest first
                if c.judge == judge and c.method == name:
                    latest.setdefault(f"{c.label_set.name}/{c.label_set.split}/{c.model}/{c.label_set.limit}", c)
            rows.append({"judge": judge, "method": name, "default": DEFAULT_METHOD[judge] == name,
                         "measures": entry.measures, "calls_provider": entry.calls_provider,
                         "cards": [c.model_dump(mode="json", exclude={"figures": {"subgroups"}})  # type: ignore
                                   for c in latest.values()]})
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r['judge']} {r['method']}{' (default)' if r['default'] else ''}"
                   f"{' [calls a provider]' if r['calls_provider'] else ''}: {r['measures']}")
        if not r["cards"]:
            typer.echo("  not validated")
        for c in latest_lines(cards, r["judge"], r["method"]):
            typer.echo(f"  {c}")


def latest_lines(cards, judge: str, method: str) -> list[str]:
    """One line per (label set, split, model, sample) of a method's newest cards."""
    seen: dict[tuple, str] = {}
    for c in cards:
        if c.judge == judge and c.method == method:
            k = (c.label_set.name, c.label_set.split, c.model, c.label_set.limit)
            seen.setdefault(k, f"{c.line()} [{c.date[:10]}]" + (f" (sample of {c.label_set.limit})"
                                                                if c.label_set.limit else ""))
    return list(seen.values())
