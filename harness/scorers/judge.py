"""LLM judge (AutoSurvey-style 1-5 rubrics for coverage, structure, relevance) through the judge calls: inside a
run the run's client (cache, retries, limits, budget, counted as stage `judge`), outside it the cached litellm path."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from statistics import median
from typing import TYPE_CHECKING, Any

from harness.llm.judge_calls import PlainJudgeCalls
from harness.llm.types import LLMRequest, LLMResponse
from harness.models import Review, Score, Task
from harness.papers.resolve import ResolvedReview
from harness.scorers.family import Direction, scorer_family
from harness.scorers.support_llm import model_family

if TYPE_CHECKING:
    from harness.scorers import ScoringContext

SCORES: dict[str, Direction] = {"judge.coverage": "higher", "judge.structure": "higher", "judge.relevance": "higher"}
NAMES = list(SCORES)
ABOUT = {  # one line per score: what it measures (rendered into docs/metrics.md)
    "judge.coverage": "LLM judge's 1-5 rating of how well the review covers the topic (AutoSurvey rubric)",
    "judge.structure": "LLM judge's 1-5 rating of the review's structure (AutoSurvey rubric)",
    "judge.relevance": "LLM judge's 1-5 rating of the review's relevance to the topic (AutoSurvey rubric)",
}
MAX_REVIEW_CHARS = 24_000  # what the judge sees of the review (the head; the explanation says when it is cut)
MAX_TOKENS = 64
SAMPLED_TEMPERATURE = 0.7  # with judge_repeats > 1, as the support judge's repeats

RUBRICS = {
    "coverage": (
        "Coverage: how comprehensively does the survey cover the topic's key aspects?\n"
        "1: very limited coverage, only a few aspects, major areas missing.\n"
        "2: some coverage but significant gaps; several key aspects missing.\n"
        "3: covers the main aspects, with some gaps.\n"
        "4: covers most key aspects comprehensively, with minor omissions.\n"
        "5: comprehensive coverage of all key and peripheral aspects."),
    "structure": (
        "Structure: is the survey logically organised with coherent sections and smooth transitions?\n"
        "1: no logical structure; disorganised content.\n"
        "2: weak structure; little logical flow between sections.\n"
        "3: reasonable structure with some loose or repetitive parts.\n"
        "4: well organised; sections connect with minor flaws.\n"
        "5: tightly structured, logically ordered, seamless transitions."),
    "relevance": (
        "Relevance: how well does the survey's content (including the works it cites) stay on the topic?\n"
        "1: largely off-topic; much content unrelated to the topic.\n"
        "2: partly relevant; substantial digressions or off-topic citations.\n"
        "3: generally relevant with some digressions.\n"
        "4: relevant throughout with minor digressions.\n"
        "5: entirely focused on the topic; every part supports it."),
}

PROMPT = """You are an expert reviewer of academic literature surveys. Rate the survey below on one criterion.

Topic: {topic}

{rubric}

Survey:
---
{survey}
---

Reply with the score only, as a single digit from 1 to 5, then a one-sentence reason. Format: "Score: N. Reason: ..."
"""

TEMPLATE = "rubric_judge@1"
PROMPT_HASH = hashlib.sha256((PROMPT + "".join(RUBRICS[k] for k in sorted(RUBRICS))).encode()).hexdigest()[:16]


def build_prompt(aspect: str, topic: str, survey: str) -> str:
    return PROMPT.format(topic=topic, rubric=RUBRICS[aspect], survey=survey)


def parse_score(text: str) -> int | None:
    """The 1-5 rating from a judge reply ('Score: 4', '4/5', a leading digit); None when there is none."""
    m = re.search(r"score\s*[:=]?\s*\**\s*([1-5])\b", text, re.I) or re.search(r"\b([1-5])\s*/\s*5\b", text) \
        or re.match(r"\s*\**([1-5])\b", text)
    return int(m.group(1)) if m else None


def judge_requests(model: str, prompt: str, repeats: int, api_base: str | None) -> list[LLMRequest]:
    """The k asks of one aspect: temperature 0 once, or sampled (seeds 0..k-1) when repeated."""
    sampled = repeats > 1
    return [LLMRequest(model=model, stage="judge", messages=[{"role": "user", "content": prompt}],
                       max_tokens=MAX_TOKENS, temperature=SAMPLED_TEMPERATURE if sampled else 0.0,
                       seed=r if sampled else None, api_base=api_base, template=TEMPLATE, template_hash=PROMPT_HASH)
            for r in range(repeats)]


def _usage(replies: list[LLMResponse | Exception]) -> dict[str, Any]:
    """Judge calls, cache hits, tokens and USD of an aspect's replies (as the support judge's judge_usage)."""
    ok = [r for r in replies if isinstance(r, LLMResponse)]
    fresh = [r for r in ok if not r.cached]
    return {"calls": len(fresh), "cache_hits": len(ok) - len(fresh),
            "input_tokens": sum(r.input_tokens or 0 for r in fresh),
            "output_tokens": sum(r.output_tokens or 0 for r in fresh),
            "cost_usd": round(sum(r.cost_usd or 0.0 for r in fresh), 10)}


def _aspect_score(name: str, aspect: str, model: str, requests: list[LLMRequest],
                  replies: list[LLMResponse | Exception], calls: Any, common: dict[str, Any], note: str) -> Score:
    """The median rating of an aspect's asks; error when no ask gave one (unparseable replies are discarded)."""
    ratings, problems = [], []
    for req, rep in zip(requests, replies):
        if isinstance(rep, BaseException):
            problems.append(f"judge call to {model!r} failed: {type(rep).__name__}: {rep}"[:300])
            continue
        value = parse_score(rep.text)
        if value is None:
            problems.append(f"judge {model!r} gave no 1-5 score: {rep.text[:80]!r}")
            calls.discard(req)  # asked again next time, never kept as a verdict
        else:
            ratings.append(value)
    details = {**common, "ratings": ratings, "judge_usage": _usage(replies), "errors": problems,
               "cached": bool(replies) and all(isinstance(r, LLMResponse) and r.cached for r in replies),
               "reply": next((r.text[:500] for r in replies if isinstance(r, LLMResponse)), None)}
    if not ratings:
        return Score.err(name, "; ".join(problems)[:300] or f"judge {model!r} gave no reply", **details)
    top = Counter(ratings).most_common(1)[0][1]
    details["agreement_rate"] = top / len(ratings)
    value = float(median(ratings))
    asks = f"median of {len(ratings)} asks, " if len(requests) > 1 else ""
    return Score.ok(name, value, f"{model} rated {aspect} {value:g}/5 ({asks}AutoSurvey-style rubric{note})",
                    **details)


@scorer_family("judge", scores=SCORES, about=ABOUT, calls_provider=True, judges={"judge.*": "rubric"})
def score_judge(resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
    """AutoSurvey-style 1-5 rubric ratings by an LLM judge when ctx.judge_model is set; not_applicable otherwise."""
    review: Review = resolved.review
    model = getattr(ctx, "judge_model", None)
    if not model:
        return [Score.na(n, "no judge model configured: pass --judge-model MODEL (harness score) or set "
                         "scorers.judge_model in the experiment config") for n in NAMES]
    if not review.text.strip():
        return [Score.na(n, "the review has no text") for n in NAMES]
    calls = getattr(ctx, "judge_calls", None) or PlainJudgeCalls(ctx.judge_cache_dir)
    repeats = max(1, int(getattr(ctx, "judge_repeats", 1) or 1))
    survey = review.text[:MAX_REVIEW_CHARS]
    gen_model = getattr(ctx, "generator_model", None)
    self_pref = bool(gen_model) and model_family(model) == model_family(gen_model)
    note = (f"; saw the first {MAX_REVIEW_CHARS} chars" if len(review.text) > MAX_REVIEW_CHARS else "") + (
        f"; SELF-PREFERENCE: the judge is of the generator's family ({model_family(model)})" if self_pref else "")
    common = {"model": model, "template": TEMPLATE, "prompt_hash": PROMPT_HASH, "repeats": repeats,
              "generator_model": gen_model, "self_preference": self_pref}
    asks = {a: judge_requests(model, build_prompt(a, task.topic, survey), repeats, getattr(ctx, "judge_api_base",
                                                                                             None))
            for a in RUBRICS}
    flat = [r for reqs in asks.values() for r in reqs]
    replies = iter(calls.complete(flat))  # one batch: concurrent through the run's client
    return [_aspect_score(f"judge.{a}", a, model, reqs, [next(replies) for _ in reqs], calls, common, note)
            for a, reqs in asks.items()]
