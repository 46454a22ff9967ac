"""LLM judge (AutoSurvey-style 1-5 rubrics for coverage, structure, relevance) through litellm, cached on disk."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from harness.fileio import atomic_write
from harness.models import Review, Score, Task
from harness.resolve import ResolvedReview
from harness.scorers.family import Direction, scorer_family

if TYPE_CHECKING:
    from harness.scorers import ScoringContext

SCORES: dict[str, Direction] = {"judge.coverage": "higher", "judge.structure": "higher", "judge.relevance": "higher"}
NAMES = list(SCORES)
LOCAL_JUDGE = "local/gemma-3-270m"
MAX_REVIEW_CHARS = 24_000  # what the judge sees of the review (the head; the explanation says when it is cut)

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


def build_prompt(aspect: str, topic: str, survey: str) -> str:
    return PROMPT.format(topic=topic, rubric=RUBRICS[aspect], survey=survey)


def parse_score(text: str) -> int | None:
    """The 1-5 rating from a judge reply ('Score: 4', '4/5', a leading digit); None when there is none."""
    m = re.search(r"score\s*[:=]?\s*\**\s*([1-5])\b", text, re.I) or re.search(r"\b([1-5])\s*/\s*5\b", text) \
        or re.match(r"\s*\**([1-5])\b", text)
    return int(m.group(1)) if m else None


class JudgeCache:
    """JSON files keyed by sha256(model + prompt): a judge call is made once per model and prompt."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, model: str, prompt: str) -> Path:
        h = hashlib.sha256((model + "\x00" + prompt).encode()).hexdigest()
        return self.root / h[:2] / f"{h}.json"

    def get(self, model: str, prompt: str) -> str | None:
        p = self._path(model, prompt)
        if p.exists():
            try:
                return json.loads(p.read_text())["reply"]
            except (OSError, ValueError, KeyError):
                return None
        return None

    def put(self, model: str, prompt: str, reply: str) -> None:
        atomic_write(self._path(model, prompt), json.dumps({"model": model, "reply": reply}))


def _ask(model: str, prompt: str, api_base: str | None) -> str:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    kwargs = {"api_base": api_base} if api_base else {}
    if model == LOCAL_JUDGE:  # the embedded Gemma: started on demand, reached as an OpenAI-compatible server
        from harness import local_llm

        state = local_llm.ensure_running()
        model, kwargs = f"openai/{local_llm.SERVED_NAME}", {"api_base": state.api_base, "api_key": "no-key-local"}
    resp = litellm.completion(model=model, messages=[{"role": "user", "content": prompt}], temperature=0.0,
                              max_tokens=64, **kwargs)
    return resp.choices[0].message.content or ""


@scorer_family("judge", scores=SCORES, calls_provider=True, judges={"judge.*": "rubric"})
def score_judge(resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
    """judge.* scores when ctx.judge_model is set; not_applicable otherwise."""
    review: Review = resolved.review
    model = getattr(ctx, "judge_model", None)
    if not model:
        return [Score.na(n, "no judge model configured: pass --judge-model MODEL (harness score) or set scorers.judge_model in the "
                         "experiment config") for n in NAMES]
    if not review.text.strip():
        return [Score.na(n, "the review has no text") for n in NAMES]
    cache = JudgeCache(ctx.judge_cache_dir)
    survey = review.text[:MAX_REVIEW_CHARS]
    cut = len(review.text) > MAX_REVIEW_CHARS
    out: list[Score] = []
    for aspect in ("coverage", "structure", "relevance"):
        name = f"judge.{aspect}"
        prompt = build_prompt(aspect, task.topic, survey)
        reply = cache.get(model, prompt)
        cached = reply is not None
        if reply is None:
            try:
                reply = _ask(model, prompt, getattr(ctx, "judge_api_base", None))
            except Exception as exc:
                out.append(Score.err(name, f"judge call to {model!r} failed: {type(exc).__name__}: {exc}"[:300]))
                continue
            cache.put(model, prompt, reply)
        value = parse_score(reply)
        if value is None:
            out.append(Score.err(name, f"judge {model!r} gave no 1-5 score", reply=reply[:500]))
            continue
        out.append(Score.ok(name, value, f"{model} rated {aspect} {value}/5 (AutoSurvey-style rubric"
                            + (f"; saw the first {MAX_REVIEW_CHARS} chars" if cut else "") + ")",
                            reply=reply[:500], cached=cached))
    return out
