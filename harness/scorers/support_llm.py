"""Support method `llm`: any litellm model as the judge, in the ALCE / AutoSurvey protocol.

Recall: is the claim supported by the union of its cited abstracts? Precision (ALCE, AutoSurvey's
leave-one-out): a citation of a supported claim with several citations is precise when it supports the claim
on its own, or when the other citations without it no longer do; the citation of a single-citation claim is
precise when the claim is supported; citations of unsupported claims are not. One versioned template
(prompts/support_judge.j2) asks all three questions. Replies are parsed strictly (SUPPORTED / NOT_SUPPORTED);
anything else is an error for that decision and its cached reply is discarded, never kept as a verdict. With
k asks per decision (`repeats: k` samples at temperature > 0, or k judge models) the majority verdict counts
(a tie is not supported) and the agreement rate is reported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

from harness.generators.prompting import load_template, render
from harness.llm.judge_calls import PlainJudgeCalls
from harness.llm.types import LLMRequest, LLMResponse
from harness.scorers.judge_methods import MethodResult, SupportMethod

TEMPLATE = "support_judge"
PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
MAX_SOURCE_CHARS = 3000
MAX_TOKENS = 8
_FAMILIES = (("openai", ("gpt", "o1", "o3", "o4", "chatgpt", "davinci")), ("anthropic", ("claude",)),
             ("google", ("gemini", "gemma", "palm")), ("meta", ("llama", "meta-llama", "codellama")),
             ("mistral", ("mistral", "mixtral", "codestral", "ministral")), ("qwen", ("qwen", "qwq")),
             ("deepseek", ("deepseek",)), ("microsoft", ("phi",)), ("cohere", ("command",)))


_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)  # a reasoning model's hidden thoughts
_PREFIX = re.compile(r"^(?:final\s+)?(?:answer|verdict|label)\s*[:=\-]\s*", re.I)


def parse_verdict(reply: str) -> bool | None:
    """True for exactly SUPPORTED, False for NOT_SUPPORTED (or NOT SUPPORTED), None for anything else.

    The verdict is the reply's first non-empty line (a model that goes on to explain on later lines is read by
    it), after any <think> block. Only case, surrounding whitespace, quotes, markdown bold, an "Answer:" prefix
    and one final period are forgiven: "SUPPORTED, mostly" or "The claim is SUPPORTED" are not verdicts."""
    lines = [ln for ln in _THINK.sub("", reply).splitlines() if ln.strip()]
    t = (lines[0] if lines else "").strip().strip("*`\"'#").strip()
    t = _PREFIX.sub("", t).strip().strip("*`\"'").strip()
    t = (t[:-1] if t.endswith(".") else t).strip("*`\"'").strip().upper()
    if t == "SUPPORTED":
        return True
    if t in ("NOT_SUPPORTED", "NOT SUPPORTED"):
        return False
    return None


def model_family(model: str | None) -> str | None:
    """The maker family of a model string ('openai/gpt-4o-mini' -> 'openai', 'ollama/gemma3' -> 'google')."""
    if not model:
        return None
    name = model.lower().rsplit("/", 1)[-1]
    for family, prefixes in _FAMILIES:
        if name.startswith(prefixes):
            return family
    m = re.match(r"[a-z]+", name)
    return m.group(0) if m else None


def build_prompt(claim: str, sources: Sequence[str]) -> str:
    """The judge prompt for one claim and the sources it is checked against."""
    cut = [s if len(s) <= MAX_SOURCE_CHARS else s[:MAX_SOURCE_CHARS].rsplit(" ", 1)[0] + " …" for s in sources]
    return render(TEMPLATE, str(PROMPTS_DIR), sources=cut, claim=claim).text


class _Asker:
    """Asks each decision k times (models x repeats) through the JudgeCalls and keeps the majority."""

    def __init__(self, calls: Any, models: Sequence[str], repeats: int, temperature: float, api_base: str | None):
        self.calls, self.models, self.repeats = calls, list(models), max(1, repeats)
        self.temperature, self.api_base = temperature, api_base
        self.tpl = load_template(TEMPLATE, str(PROMPTS_DIR))
        self.memo: dict[tuple[int, tuple[str, ...]], bool | None] = {}
        self.errors: list[str] = []
        self.agreement: list[float] = []
        self.usage = {"calls": 0, "cache_hits": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}

    def _requests(self, prompt: str) -> list[LLMRequest]:
        sampled = self.repeats > 1
        return [LLMRequest(model=m, stage="judge", messages=[{"role": "user", "content": prompt}],
                           max_tokens=MAX_TOKENS, temperature=self.temperature if sampled else 0.0,
                           seed=r if sampled else None, api_base=self.api_base,
                           template=f"{self.tpl.name}@{self.tpl.version}", template_hash=self.tpl.hash)
                for m in self.models for r in range(self.repeats)]

    def decide(self, questions: list[tuple[Any, list[Any]]]) -> list[bool | None]:
        """Majority verdict per (claim, evidence subset); None when no ask of it gave a parseable verdict."""
        keys = [(c.index, tuple(e.key for e in ev)) for c, ev in questions]
        new = {k: q for k, q in zip(keys, questions) if k not in self.memo}
        batch = [(k, r) for k, (c, ev) in new.items() for r in self._requests(build_prompt(c.text, [e.premise for e in ev]))]
        replies = self.calls.complete([r for _, r in batch]) if batch else []
        votes: dict[tuple, list[bool]] = {k: [] for k in new}
        for (k, req), resp in zip(batch, replies):
            v = self._verdict(req, resp)
            if v is not None:
                votes[k].append(v)
        for k, vs in votes.items():
            if not vs:
                self.memo[k] = None
                continue
            yes = sum(vs)
            verdict = 2 * yes > len(vs)
            self.agreement.append(sum(v == verdict for v in vs) / len(vs))
            self.memo[k] = verdict
        return [self.memo[k] for k in keys]

    def _verdict(self, req: LLMRequest, resp: LLMResponse | Exception) -> bool | None:
        if isinstance(resp, BaseException):
            self.errors.append(f"judge call to {req.model} failed: {type(resp).__name__}: {resp}"[:300])
            return None
        u = self.usage
        if resp.cached:
            u["cache_hits"] += 1
        else:
            u["calls"] += 1
            u["input_tokens"] += resp.input_tokens or 0
            u["output_tokens"] += resp.output_tokens or 0
            u["cost_usd"] += resp.cost_usd or 0.0
        v = parse_verdict(resp.text)
        if v is None:
            self.errors.append(f"unparseable reply from {req.model}: {resp.text[:80]!r} (want SUPPORTED or "
                               "NOT_SUPPORTED)")
            self.calls.discard(req)
        return v


def judge_llm(claims: list, task, ctx, spec):
    """Recall and leave-one-out precision verdicts from an LLM judge (see module docstring)."""
    models = spec.models or ((ctx.judge_model,) if getattr(ctx, "judge_model", None) else ())
    if not models:
        return MethodResult(na="no support judge model: set scorers.support.model (or scorers.judge_model), "
                               "or pass --support-model")
    calls = getattr(ctx, "judge_calls", None) or PlainJudgeCalls(ctx.judge_cache_dir)
    ask = _Asker(calls, models, spec.repeats, spec.temperature, spec.api_base or getattr(ctx, "judge_api_base", None))
    gen_family = model_family(getattr(ctx, "generator_model", None))
    self_pref = sorted({m for m in models if gen_family and model_family(m) == gen_family})
    res = MethodResult(model=",".join(models), prompt_hash=ask.tpl.hash,
                       recall_phrase="are supported by the union of their cited abstracts",
                       precision_phrase="are needed or supportive on their own (leave-one-out)")
    joint = ask.decide([(c, c.evidence) for c in claims])
    multi = []
    for c, v in zip(claims, joint):
        res.recall[c.index] = v
        if len(c.evidence) > 1 and v:
            multi.append(c)
        else:  # one citation: precise iff supported; several, unsupported: none is precise
            for e in c.evidence:
                res.set_pair(c.index, e.key, v if (v is None or len(c.evidence) == 1) else False)
    singles = ask.decide([(c, [e]) for c in multi for e in c.evidence])
    pending, flat = [], iter(singles)
    for c in multi:
        for e in c.evidence:
            s = next(flat)
            if s is False:
                pending.append((c, e))
            else:
                res.set_pair(c.index, e.key, s)
    loo = ask.decide([(c, [x for x in c.evidence if x.key != e.key]) for c, e in pending])
    for (c, e), v in zip(pending, loo):
        res.set_pair(c.index, e.key, None if v is None else not v)
    rate = sum(ask.agreement) / len(ask.agreement) if ask.agreement else None
    k = len(models) * max(1, spec.repeats)
    res.errors = ask.errors
    res.details = {"template": f"{ask.tpl.name}@{ask.tpl.version}", "judge_models": list(models),
                   "repeats": spec.repeats, "asks_per_decision": k, "decisions": len(ask.memo),
                   "agreement_rate": rate, "unanimous_rate": (sum(a == 1.0 for a in ask.agreement) /
                                                              len(ask.agreement)) if ask.agreement else None,
                   "judge_usage": {**ask.usage, "cost_usd": round(ask.usage["cost_usd"], 10)},
                   "generator_model": getattr(ctx, "generator_model", None), "self_preference": bool(self_pref),
                   "calibration_id": None}
    res.label = (f"judge {', '.join(models)}; {k} ask(s) per decision, majority verdict"
                 + (f", agreement {rate:.2f}" if rate is not None and k > 1 else "")
                 + (f"; SELF-PREFERENCE: the judge {', '.join(self_pref)} is of the generator's family "
                    f"({gen_family})" if self_pref else ""))
    return res


METHOD = SupportMethod("llm", judge_llm, measures="an LLM judge's verdict that the cited abstracts support the "
                       "sentence (versioned prompt, majority over repeats)", calls_provider=True)
