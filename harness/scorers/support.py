"""Citation support: one interface, three methods (similarity | nli | llm), over the claims a review cites.

A claim is a distinct citing sentence: markers removed, cleaned once however many markers it holds, and cut at
SENTENCE_CAP characters (flagged) so run-on text stays linear. Its evidence is the cited papers that have an
abstract; citations of papers without one are `unverifiable` for every method (counted, never failures). A
method gives a recall verdict per claim (is it supported by its evidence?) and a precision verdict per
(claim, cited paper); the three score names are the same for every method, and their details record the
method, the model, the prompt's hash and the calibration's identity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from harness.core.errors import HarnessError
from harness.models import Review, Score, SupportVerdict, Task
from harness.scorers.copying import copied_from
from harness.scorers.judge_methods import SUPPORT_METHODS, Claim, Evidence, MethodResult  # noqa: F401 (re-export)
from harness.scorers.support_nli import DEFAULT_NLI_MODEL  # noqa: F401 (re-export)
from harness.scorers.support_similarity import SupportCalibration, calibrate_support  # noqa: F401 (re-export)
from harness.core.text import strip_markers

SENTENCE_CAP = 1500  # characters of a citing sentence that are judged; longer ones are cut and flagged
MAX_VERDICTS = 300  # per-pair verdicts kept in the details (for agreement between methods and the report)
_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]*\s")  # between two markers: they sit in different sentences
BASE_NAMES = ("citations.support_rate", "citations.support_precision", "citations.unverifiable")


@dataclass(frozen=True)
class SupportSpec:
    """Which support method scores a review: the method, its model(s), and how many times the judge is asked."""

    method: str = "similarity"
    model: str | tuple[str, ...] | None = None
    repeats: int = 1
    temperature: float = 0.7  # used when repeats > 1 (k samples of one judge)
    api_base: str | None = None

    @property
    def label(self) -> str:
        models = self.models
        return self.method + (f" ({', '.join(models)})" if models else "")

    @property
    def models(self) -> tuple[str, ...]:
        if self.model is None:
            return ()
        return (self.model,) if isinstance(self.model, str) else tuple(self.model)


def support_spec(value: Any) -> SupportSpec:
    """A SupportSpec from None (similarity), a method name, a mapping or a config object; HarnessError if unknown."""
    if value is None:
        return SupportSpec()
    if isinstance(value, SupportSpec):
        return value
    if isinstance(value, str):
        value = {"method": value}
    elif hasattr(value, "model_dump"):
        value = value.model_dump()
    data = {k: v for k, v in dict(value).items() if k in SupportSpec.__dataclass_fields__}
    if isinstance(data.get("model"), list):
        data["model"] = tuple(data["model"])
    spec = SupportSpec(**data)
    if spec.method not in SUPPORT_METHODS:
        SUPPORT_METHODS.get(spec.method)  # raises the one-line error naming the registered methods
    return spec


def clean_sentence(sentence: str) -> str:
    """A citing sentence without its markers and markdown."""
    return " ".join(strip_markers(sentence).replace("*", " ").replace("`", " ").split())


def claim_text(raw: str, cap: int = SENTENCE_CAP) -> tuple[str, bool]:
    """The judged text of a citing sentence: the first `cap` characters (cut at a space), cleaned; True if cut."""
    if len(raw) <= cap:
        return clean_sentence(raw), False
    head = raw[:cap]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return clean_sentence(cut), True


@dataclass
class Occurrences:
    """Citation occurrences (marker x key of a citing sentence) and which (claim, paper) pair each is."""

    total: int = 0
    pairs: list[tuple[int, str]] = field(default_factory=list)  # one entry per occurrence of a checkable pair

    def judged(self, verdicts: dict[tuple[int, str], bool | None]) -> int:
        return sum(verdicts.get(p) is not None for p in self.pairs)


def extract_claims(review: Review, items: list, occ: Occurrences | None = None) -> tuple[list[Claim], int]:
    """Claims (one per citing sentence occurrence) with their checkable cited papers, and the count of
    unverifiable (claim, paper) pairs.

    A sentence repeated elsewhere is a claim again, judged for what that occurrence cites (issue 26: one sentence
    repeated with 30 citations is 30 judgements, not "1 of 1"). Each distinct sentence is cleaned once (keyed by
    length and first SENTENCE_CAP characters), so 50,000 markers in one run-on line cost one cleaning.
    `occ`, when given, receives every citation occurrence (for the share of occurrences judged).
    """
    by_key: dict[str, Any] = {}
    for it in items:
        for k in it.keys:
            by_key.setdefault(k, it)
    claims: list[Claim] = []
    seen_raw: dict[tuple[int, str], tuple[str, bool]] = {}
    seen_pair: set[tuple[int, str]] = set()
    unverifiable = 0
    last: tuple[str | None, Claim | None] = (None, None)
    end = 0
    for c in review.citations:
        raw = c.sentence
        between = review.text[end:c.offset] if c.offset > end else ""
        end = c.offset + len(c.marker)
        if raw == last[0] and not _SENTENCE_BREAK.search(between):  # the markers of one sentence follow each other
            claim = last[1]
        else:  # a new sentence occurrence: a repeated sentence is judged again, for what this occurrence cites
            rkey = (len(raw), raw[:SENTENCE_CAP])
            if rkey not in seen_raw:
                seen_raw[rkey] = claim_text(raw)
            text, capped = seen_raw[rkey]
            claim = None
            if text:
                claim = Claim(index=len(claims), text=text, capped=capped)
                claims.append(claim)
        last = (raw, claim)
        if occ is not None:
            occ.total += len(c.keys)
        if claim is None:
            continue
        for k in c.keys:
            it = by_key.get(k)
            if it is None:
                continue  # dangling (counted by citations.dangling)
            if occ is not None and it.abstract:
                occ.pairs.append((claim.index, it.key))
            if (claim.index, it.key) in seen_pair:
                continue  # already counted
            seen_pair.add((claim.index, it.key))
            if it.abstract:
                claim.evidence.append(Evidence(it.key, it.title, it.abstract))
            else:
                unverifiable += 1
    return claims, unverifiable


def split_copied(claims: list[Claim]) -> tuple[list[Claim], dict[tuple[int, str], str]]:
    """Claims with the evidence they copy removed (for the judge), and (claim, paper) -> "title" | "abstract"
    for each copied pair: a sentence that reproduces its cited title or abstract is never judged supported."""
    copied: dict[tuple[int, str], str] = {}
    out = []
    for c in claims:
        keep = []
        for e in c.evidence:
            src = copied_from(c.text, e.title, e.abstract)
            if src:
                copied[(c.index, e.key)] = src
            else:
                keep.append(e)
        if keep:
            out.append(replace(c, evidence=keep))
    return out, copied


def judge_claims(spec: SupportSpec, claims: list[Claim], task: Task | None, ctx) -> MethodResult:
    """Run the spec's registered method over the claims that have evidence."""
    return SUPPORT_METHODS.get(spec.method).fn(claims, task, ctx, spec)


def score_support(review: Review, items: list, task: Task, ctx) -> list[Score]:
    """citations.support_rate / support_precision / unverifiable by the context's method, plus any extra methods.

    Extra methods (ctx.support_also, e.g. from `harness rescore --support nli`) are scored beside the main one
    under the same names suffixed with `.<method>`.
    """
    main = support_spec(getattr(ctx, "support", None))
    fetched = _fetch_missing(items) if getattr(ctx, "fetch_abstracts", False) else None
    out = _score_one(main, review, items, task, ctx, "")
    if fetched is not None:
        for s in out:
            s.details.update(fetched)
    for extra in getattr(ctx, "support_also", None) or []:
        extra = support_spec(extra)
        if extra != main:
            out.extend(_score_one(extra, review, items, task, ctx, "." + extra.method))
    return out


def _fetch_missing(items: list) -> dict[str, Any]:
    """Fetch the cited papers' missing abstracts online (in place); what was found, for the scores' details."""
    from harness.papers.abstract_fetch import AbstractFetcher  # the online edge (as score_review's verify): httpx, config

    return AbstractFetcher().fill(items).details()


def _score_one(spec: SupportSpec, review: Review, items: list, task: Task, ctx, suffix: str) -> list[Score]:
    rate_n, prec_n, unv_n = (n + suffix for n in BASE_NAMES)
    ident: dict[str, Any] = {"method": spec.method, "model": None, "prompt_hash": None,
                             "measures": SUPPORT_METHODS.get(spec.method).measures}
    if not review.citations:
        return [Score.na(n, "the review has no in-text citations", **ident) for n in (rate_n, prec_n, unv_n)]
    occ = Occurrences()
    claims, unverifiable = extract_claims(review, items, occ)
    capped = sum(c.capped for c in claims)
    unv = Score.ok(unv_n, unverifiable, f"{unverifiable} distinct sentence-paper citation pairs cite a paper with "
                   "no known abstract (not counted as failures)", claims=len(claims), **ident)
    checkable = [c for c in claims if c.evidence]
    if not checkable:
        why = (f"nothing verifiable: no cited paper has an abstract (0 of {occ.total} citation occurrences judged; "
               "--fetch-abstracts fetches missing abstracts online)")
        return [Score.na(rate_n, why, **ident), Score.na(prec_n, why, **ident), unv]
    to_judge, copied = split_copied(checkable)
    try:
        res = judge_claims(spec, to_judge, task, ctx) if to_judge else MethodResult(label=spec.method)
    except HarnessError as exc:
        why = f"support ({spec.method}) cannot run: {exc}"
        return [Score.err(rate_n, why, **ident), Score.err(prec_n, why, **ident), unv]
    ident.update(model=res.model, prompt_hash=res.prompt_hash)
    unv.details.update(ident)
    det = {**ident, **res.details, "sentences_capped": capped, "sentence_cap": SENTENCE_CAP}
    if res.na:
        return [Score.na(rate_n, res.na, **det), Score.na(prec_n, res.na, **det), unv]
    _apply_copied(res, checkable, copied)
    judged = {i: v for i, v in res.recall.items() if v is not None}
    pairs = {k: v for k, v in res.pairs.items() if v is not None}
    n_occ = occ.judged(res.pairs)
    det.update(pairs=len(pairs), sentences=len(judged), judge_errors=len(res.errors), errors=res.errors[:5],
               copied_pairs=len(copied), copied_sentences=len({i for i, _ in copied}),
               occurrences=occ.total, occurrences_judged=n_occ,
               judged_share=round(n_occ / occ.total, 4) if occ.total else None)
    if not judged:
        why = f"support ({spec.method}) gave no usable verdict: " + (res.errors[0] if res.errors else "none")
        return [Score.err(rate_n, why[:500], **det), Score.err(prec_n, why[:500], **det), unv]
    det["verdicts"] = _verdicts(res, checkable, copied)
    notes = _notes(res, capped, copied, n_occ, occ.total)
    n_sup = sum(judged.values())
    out = [Score.ok(rate_n, n_sup / len(judged),
                    f"{n_sup} of {len(judged)} citing sentences {res.recall_phrase} ({res.label}){notes}", **det)]
    short = {k: det[k] for k in ("method", "model", "prompt_hash", "calibration_id", "threshold_used",
                                 "support_auroc", "agreement_rate", "self_preference", "measures", "occurrences",
                                 "occurrences_judged", "judged_share", "copied_pairs") if k in det}
    if pairs:
        n_ok = sum(pairs.values())
        out.append(Score.ok(prec_n, n_ok / len(pairs), f"{n_ok} of {len(pairs)} verifiable sentence-paper citation "
                            f"pairs {res.precision_phrase} ({res.label}){notes}", **short))
    else:
        out.append(Score.err(prec_n, "no citation pair could be judged", **short))
    out.append(unv)
    return out


def _apply_copied(res: MethodResult, claims: list[Claim], copied: dict[tuple[int, str], str]) -> None:
    """Copied pairs are not supported; a claim all of whose evidence it copies is not supported."""
    for key in copied:
        res.pairs[key] = False
        res.values.pop(key, None)
    for c in claims:
        if c.index not in res.recall:
            res.recall[c.index] = False  # every paper it cites, it copies


def _verdicts(res: MethodResult, claims: list[Claim], copied: dict[tuple[int, str], str]) -> list[dict]:
    text = {c.index: c.text for c in claims}
    return [SupportVerdict(pair=f"{i}|{k}", sentence=text[i][:200], item=k, supports=v, copied=copied.get((i, k)),
                           **({res.value_key: res.values[(i, k)]} if (i, k) in res.values else {})).to_details()
            for (i, k), v in list(res.pairs.items())[:MAX_VERDICTS]]


def _notes(res: MethodResult, capped: int, copied: dict, n_occ: int, total: int) -> str:
    """The explanation's tail: coverage of the citation occurrences, copied pairs, errors and capped sentences."""
    share = f"{100 * n_occ / total:.0f}%" if total else "n/a"
    return "".join([f"; judged {n_occ} of {total} citation occurrences ({share}); the rest cite papers with no "
                    "known abstract (unverifiable)" if n_occ < total else f"; judged all {total} citation occurrences",
                    f"; {len(copied)} sentence-paper pair(s) copy the cited title or abstract and count as not "
                    "supported (copying is not support)" if copied else "",
                    f"; {len(res.errors)} verdict(s) could not be obtained and are left out" if res.errors else "",
                    f"; {capped} sentence(s) longer than {SENTENCE_CAP} characters judged on their start"
                    if capped else ""])


def with_support(ctx, spec: Any, judge_calls: Any = None):
    """A copy of a scoring context that also scores `spec` (beside its main method), e.g. for rescore."""
    also = list(getattr(ctx, "support_also", None) or []) + [support_spec(spec)]
    return replace(ctx, support_also=also, judge_calls=judge_calls or ctx.judge_calls)
