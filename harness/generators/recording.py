"""What a generation records: calls (hash, template, usage, outcome), prompts by hash, stage usage, reply flags."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from harness.generators.prompting import prompt_hash, prompt_text
from harness.llm.client import ProviderError
from harness.llm.pricing import price_cost
from harness.llm.types import CallRecord, LLMClient, LLMRequest, LLMResponse, Price
from harness.models import Review, StageUsage, Usage
from harness.core.text import NUMERIC_MARKER, count_words, expand_marker

_REFS_HEADING = re.compile(r"^#{1,6}\s*(?:\d+[.)]?\s*)?(references|bibliography|works cited)\s*$", re.I | re.M)


@dataclass
class CallLog:
    """Every call of one generation, in order, and the prompts sent, keyed by prompt hash."""

    model: str
    price: Price | None = None
    calls: list[CallRecord] = field(default_factory=list)
    prompts: dict[str, str] = field(default_factory=dict)
    _responses: list[tuple[CallRecord, LLMResponse | None]] = field(default_factory=list)

    async def call(self, client: LLMClient, request: LLMRequest) -> LLMResponse:
        """Send a request through the client and record it (also when it fails, then re-raise)."""
        text = prompt_text(request)
        phash = prompt_hash(request, text)
        self.prompts[phash] = text
        start = time.perf_counter()
        try:
            resp = await client.complete(request)
        except ProviderError as exc:
            rec = CallRecord(stage=request.stage, model=request.model, prompt_hash=phash,
                             template=request.template, template_hash=request.template_hash,
                             max_tokens=request.max_tokens, latency_s=time.perf_counter() - start,
                             attempts=int(getattr(exc, "attempts", 1) or 1), error=str(exc))
            self.calls.append(rec)
            self._responses.append((rec, None))
            raise
        if resp.cost_source == "unknown" and self.price is not None:
            resp = resp.model_copy(update={"cost_usd": price_cost(self.price, resp.input_tokens, resp.output_tokens),
                                           "cost_source": "user-set"})
        rec = CallRecord(stage=request.stage, model=request.model, prompt_hash=phash, template=request.template,
                         template_hash=request.template_hash, input_tokens=resp.input_tokens,
                         output_tokens=resp.output_tokens, max_tokens=request.max_tokens, cost_usd=resp.cost_usd,
                         cost_source=resp.cost_source,
                         latency_s=resp.latency_s if resp.latency_s is not None else time.perf_counter() - start,
                         finish_reason=resp.finish_reason, cached=resp.cached,
                         attempts=int(getattr(resp, "attempts", 1) or 1))
        self.calls.append(rec)
        self._responses.append((rec, resp))
        return resp

    def usage(self, wall_s: float | None = None) -> Usage:
        """Usage of the generation: one StageUsage per stage name (sections of a stage summed)."""
        stages: dict[str, StageUsage] = {}
        for rec in self.calls:
            if rec.error:
                continue
            st = stages.get(rec.stage)
            at_cap = _at_cap(rec)
            if st is None:
                stages[rec.stage] = StageUsage(name=rec.stage, input_tokens=rec.input_tokens,
                                               output_tokens=rec.output_tokens, cost_usd=rec.cost_usd,
                                               max_tokens=rec.max_tokens, finish_reason=rec.finish_reason,
                                               latency_s=rec.latency_s, calls=1, calls_at_cap=at_cap)
                continue
            st.calls_at_cap = _add(st.calls_at_cap, at_cap)
            st.input_tokens = _add(st.input_tokens, rec.input_tokens)
            st.output_tokens = _add(st.output_tokens, rec.output_tokens)
            st.cost_usd = _addf(st.cost_usd, rec.cost_usd)
            st.latency_s = _addf(st.latency_s, rec.latency_s)
            st.max_tokens = max(st.max_tokens or 0, rec.max_tokens or 0) or None
            if rec.finish_reason == "length" or st.finish_reason is None:
                st.finish_reason = rec.finish_reason
            st.calls += 1
        ok = [r for r in self.calls if not r.error]
        sources = sorted({r.cost_source for r in ok if r.cost_source})
        return Usage(
            stages=list(stages.values()),
            input_tokens=_sum([r.input_tokens for r in ok]),
            output_tokens=_sum([r.output_tokens for r in ok]),
            cost_usd=_sumf([r.cost_usd for r in ok]),
            cost_source="+".join(sources) if sources else None,
            model=self.model,
            latency_s=wall_s,
        )

    def finish_reason(self) -> str | None:
        """'length' when any call was cut at max_tokens, else the last call's finish reason."""
        reasons = [r.finish_reason for r in self.calls if not r.error]
        if "length" in reasons:
            return "length"
        return reasons[-1] if reasons else None

    def empty_stages(self) -> list[str]:
        """Stages whose reply text was empty."""
        return sorted({rec.stage for rec, resp in self._responses if resp is not None and not resp.text.strip()})


def split_body(text: str) -> tuple[str, str]:
    """(body, reference section) of a markdown review: split at the last References/Bibliography heading."""
    matches = list(_REFS_HEADING.finditer(text))
    if not matches:
        return text, ""
    cut = matches[-1].start()
    return text[:cut], text[cut:]


def cited_numbers(body: str) -> list[int]:
    """Every number named by a numeric citation marker in the body, in order of appearance."""
    out: list[int] = []
    for m in NUMERIC_MARKER.finditer(body):
        out.extend(expand_marker(m.group(1)))
    return out


def reply_flags(review: Review | None, finish_reasons: list[str | None] = (), empty_stages: list[str] = ()
                ) -> list[str]:
    """Flags for bad replies: empty_text, no_references, invented_reference_numbers, cut_at_max_tokens."""
    flags: list[str] = []
    if review is None:
        return flags
    body, _ = split_body(review.text)
    if count_words(body) == 0:
        flags.append("empty_text")
    if not review.references:
        flags.append("no_references")
    keys = {r.key.strip().strip("[]") for r in review.references}
    numeric_keys = {int(k) for k in keys if k.isdigit()}
    if any(n not in numeric_keys for n in cited_numbers(body)):
        flags.append("invented_reference_numbers")
    if "length" in finish_reasons or review.finish_reason == "length":
        flags.append("cut_at_max_tokens")
    flags.extend(f"empty_reply:{s}" for s in empty_stages)
    return flags


def _at_cap(rec: CallRecord) -> int | None:
    """1 when the call's own output reached its own max_tokens, 0 when not, None when either is unrecorded."""
    if rec.output_tokens is None or rec.max_tokens is None:
        return None
    return int(rec.output_tokens >= rec.max_tokens)


def _add(a: int | None, b: int | None) -> int | None:
    return None if a is None and b is None else (a or 0) + (b or 0)


def _addf(a: float | None, b: float | None) -> float | None:
    return None if a is None and b is None else (a or 0.0) + (b or 0.0)


def _sum(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _sumf(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(sum(known)) if known else None
