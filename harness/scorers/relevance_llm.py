"""Relevance method `llm`: any litellm model judges each cited reference on- or off-topic (versioned prompt).

One question per reference (prompts/relevance_judge.j2: the task topic, the reference's title, URL and abstract
where known; never the review's own citing sentences, which the judged generator wrote). Calls go through the
run's client when scoring inside a run (ctx.judge_calls: cache, retries, budget), else through PlainJudgeCalls
with replies cached on disk. Replies are parsed strictly (ON_TOPIC / OFF_TOPIC); anything else leaves that
reference unjudged with the reason, and its cached reply is discarded so it is asked again.
"""

from __future__ import annotations

from pathlib import Path

from harness.generators.prompting import load_template, render
from harness.llm.judge_calls import PlainJudgeCalls
from harness.llm.types import LLMRequest, LLMResponse
from harness.scorers.judge_methods import RelevanceJudgment, RelevanceMethod, RelevanceRef, RelevanceResult
from harness.scorers.support_llm import model_family

TEMPLATE = "relevance_judge"
PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
MAX_ABSTRACT_CHARS = 1500
MAX_TOKENS = 8


def parse_relevance(reply: str) -> bool | None:
    """True for exactly ON_TOPIC, False for OFF_TOPIC (or 'ON TOPIC' / 'OFF TOPIC'), None for anything else."""
    t = reply.strip().strip("*`\"'").strip()
    t = (t[:-1] if t.endswith(".") else t).strip("*`\"'").strip().upper().replace(" ", "_").replace("-", "_")
    return True if t == "ON_TOPIC" else False if t == "OFF_TOPIC" else None


def build_prompt(topic: str, ref: RelevanceRef) -> str:
    """The judge prompt for one reference."""
    abstract = (ref.abstract or "").strip()
    if len(abstract) > MAX_ABSTRACT_CHARS:
        abstract = abstract[:MAX_ABSTRACT_CHARS].rsplit(" ", 1)[0] + " …"
    return render(TEMPLATE, str(PROMPTS_DIR), topic=topic, title=" ".join((ref.title or "").split()),
                  url=ref.url or "", abstract=abstract).text


def _usage(usage: dict, resp: LLMResponse) -> None:
    if resp.cached:
        usage["cache_hits"] += 1
        return
    usage["calls"] += 1
    usage["input_tokens"] += resp.input_tokens or 0
    usage["output_tokens"] += resp.output_tokens or 0
    usage["cost_usd"] += resp.cost_usd or 0.0


def judge_llm(refs: list[RelevanceRef], task, ctx, spec=None) -> RelevanceResult:
    """One LLM verdict per titled reference outside the bibliography (bibliography papers are on-topic)."""
    model = getattr(spec, "model", None) or getattr(ctx, "judge_model", None)
    if not model:
        return RelevanceResult([RelevanceJudgment("unjudged", basis="no judge model") for _ in refs],
                               na="no relevance judge model: set scorers.relevance.model (or scorers.judge_model)")
    tpl = load_template(TEMPLATE, str(PROMPTS_DIR))
    calls = getattr(ctx, "judge_calls", None) or PlainJudgeCalls(ctx.judge_cache_dir)
    api_base = getattr(spec, "api_base", None) or getattr(ctx, "judge_api_base", None)
    ask = [r for r in refs if not r.in_bibliography and r.title and r.title.strip()]
    reqs = [LLMRequest(model=model, stage="judge", messages=[{"role": "user", "content": build_prompt(task.topic, r)}],
                       max_tokens=MAX_TOKENS, temperature=0.0, api_base=api_base, template=tpl.label, template_hash=tpl.hash)
            for r in ask]
    replies = dict(zip((r.key for r in ask), zip(reqs, calls.complete(reqs) if reqs else [])))
    usage = {"calls": 0, "cache_hits": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}
    errors: list[str] = []
    out = []
    for r in refs:
        if r.in_bibliography:
            out.append(RelevanceJudgment("on-topic", basis="in the reference bibliography"))
            continue
        if r.key not in replies:
            out.append(RelevanceJudgment("unjudged", basis="no title"))
            continue
        req, resp = replies[r.key]
        if isinstance(resp, BaseException):
            errors.append(f"judge call failed: {type(resp).__name__}: {resp}"[:300])
            out.append(RelevanceJudgment("unjudged", basis="the judge call failed"))
            continue
        _usage(usage, resp)
        v = parse_relevance(resp.text)
        if v is None:
            errors.append(f"unparseable reply from {model}: {resp.text[:80]!r} (want ON_TOPIC or OFF_TOPIC)")
            calls.discard(req)
            out.append(RelevanceJudgment("unjudged", basis="unparseable judge reply"))
            continue
        out.append(RelevanceJudgment("on-topic" if v else "off-topic", score=1.0 if v else 0.0, threshold=0.5,
                                     basis=f"LLM judge {model} on title, URL and abstract",
                                     details={"reply": resp.text.strip()[:40]}))
    gen = model_family(getattr(ctx, "generator_model", None))
    details = {"method": "llm", "template": tpl.label, "prompt_hash": tpl.hash, "judge_model": model,
               "judge_usage": {**usage, "cost_usd": round(usage["cost_usd"], 10)}, "errors": errors[:20],
               "self_preference": bool(gen and model_family(model) == gen), "threshold_used": None}
    return RelevanceResult(out, rule=f"in the bibliography or judged on-topic by {model} ({tpl.label})", details=details)


METHOD = RelevanceMethod("llm", judge_llm, measures="an LLM judge's verdict that the reference is on the review's "
                         "topic (versioned prompt, title/URL/abstract)", calls_provider=True)
