"""One validation end to end: labels (sampled), the cached card or a fresh run of the method, the card saved.

`validate_card` is what `harness judges validate`, scripts/trust_table.py and the benchmark call. Paid methods
get their JudgeCalls from the caller (harness.judges.paid: the runner's RunClient with cache, retries, rate
limits and budget).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.core.fileio import atomic_write
from harness.judges import cards
from harness.judges.agreement import SEED, stratified_sample
from harness.judges.labelsets import LabelSet
from harness.judges.validate import Validation, validate
from harness.scorers.judge_methods import DEFAULT_RELEVANCE, DEFAULT_SUPPORT, RELEVANCE_METHODS, SUPPORT_METHODS

DEFAULT_METHOD = {"support": DEFAULT_SUPPORT, "relevance": DEFAULT_RELEVANCE}  # what scoring uses by default


def method_entry(judge: str, method: str):
    """The registered method (HarnessError naming the registered ones when unknown)."""
    if judge not in DEFAULT_METHOD:
        raise HarnessError(f"unknown judge {judge!r}", field="--judge", hint="use support or relevance")
    return (SUPPORT_METHODS if judge == "support" else RELEVANCE_METHODS).get(method)


def sampled(labelset: LabelSet, judge: str, limit: int | None, seed: int = SEED) -> LabelSet:
    """The set's labels of this judge, or a seeded sample of `limit` of them stratified by label."""
    labels = [lab for lab in labelset.labels if lab.judge == judge]
    if not labels:
        raise HarnessError(f"the label set holds no {judge} labels", path=labelset.path,
                           hint=f"it holds {', '.join(sorted(labelset.judges))} labels: use --judge "
                                f"{' or '.join(sorted(labelset.judges))}")
    if limit is not None:
        if limit < 1:
            raise HarnessError("--limit must be at least 1", field="--limit")
        labels = [labels[i] for i in stratified_sample([lab.label or "unclear" for lab in labels], limit, seed)]
    return replace(labelset, labels=labels)


def key_for(labelset: LabelSet, judge: str, method: str, model: str | None, limit: int | None) -> str:
    from harness.embeddings.encoder import configured_model_id

    entry = method_entry(judge, method)
    return cards.card_key(judge, method, model, labelset.sha256, labelset.split, limit, SEED,
                          getattr(entry.fn, "__module__", "?"), configured_model_id())


def validate_card(labelset: LabelSet, judge: str, method: str, model: str | None, ctx: Any,
                  suite: dict, limit: int | None = None, use_cache: bool = True) -> tuple[cards.JudgeCard, Path | None]:
    """The card of this validation: cached when the same inputs were measured before, else measured and saved.
    Also returns the path of its per-item verdicts (JSONL beside the card) when there is one."""
    entry = method_entry(judge, method)
    key = key_for(labelset, judge, method, model, limit)
    items_path = cards.store_dir() / f"{key}.items.jsonl"
    if use_cache:
        hit = cards.load(key)
        if hit is not None:
            return hit, items_path if items_path.is_file() else None
    subset = sampled(labelset, judge, limit)
    v = validate(subset, judge, entry.name, model, ctx, suite)
    card = card_of(v, labelset, key, limit, model)
    if v.errors:  # calls failed (budget, provider): shown, never cached as the method's card
        items_path = Path(tempfile.mkdtemp(prefix="judge-items-")) / f"{key}.items.jsonl"
    else:
        cards.save(card)
    atomic_write(items_path, "".join(json.dumps(asdict(i), ensure_ascii=False) + "\n" for i in v.items))
    return card, items_path


def card_of(v: Validation, labelset: LabelSet, key: str, limit: int | None, model: str | None) -> cards.JudgeCard:
    """A JudgeCard of a Validation."""
    ref = cards.LabelSetRef(name=labelset.name, path=labelset.path, split=labelset.split, sha256=labelset.sha256,
                            who=labelset.who, limit=limit)
    return cards.JudgeCard(key=key, judge=v.judge, method=v.method, measures=v.measures, model=v.model,
                           prompt_hash=v.prompt_hash, calibration_id=v.calibration_id, label_set=ref,
                           figures=v.agreement, details={**v.details, "model_requested": model,
                                                         "errors": v.errors[:10]})
