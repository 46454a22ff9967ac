"""Length against the task's word target; truncation (finish reason, max_tokens, stopped mid-sentence, plan
unfinished) and, apart from it, whether the output stopped at a token cap."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.models import Review, Score, StageUsage, Task
from harness.papers.resolve import ResolvedReview
from harness.scorers.cited import cited_items
from harness.scorers.degeneracy import own_words
from harness.scorers.family import Direction, scorer_family
from harness.core.text import count_words, ends_mid_sentence, last_prose_line, marker_spans

if TYPE_CHECKING:
    from harness.scorers import ScoringContext

SCORES: dict[str, Direction] = {
    "length.words": "none",  # a word count: the task's target says what is right (length.in_target)
    "length.target_ratio": "none",  # best at 1, worse both above and below: not monotone
    "length.in_target": "higher",  # on own words (sentences repeating an earlier one or pasting a cited source: not counted)
    "length.truncated": "lower",
    "length.at_token_cap": "none",  # reported, but no evidence of truncation on its own
}
NAMES = list(SCORES)
ABOUT = {  # one line per score: what it measures (rendered into docs/metrics.md)
    "length.words": "words of the review body (headings, markers, reference list and plan excluded)",
    "length.target_ratio": "own words / the midpoint of the task's word target (best at 1)",
    "length.in_target": "1 when the review's own words (not repeated, not pasted from a cited source) fall in the "
                        "task's target range",
    "length.truncated": "1 when the text was cut off: finish reason length, a call at its max_tokens, a final "
                        "sentence cut mid-way, or plan sections never reached",
    "length.at_token_cap": "1 when a writing call's output equals its max_tokens or a common cap size (no evidence of"
                           " truncation on its own)",
}

# When a stage's max_tokens is not recorded, an output of exactly one of these sizes is reported as
# length.at_token_cap (it may have hit a cap), never as truncation on its own.
COMMON_CAPS = (1024, 2048, 4096, 8192, 16384, 32768)
_PLAN_STAGE_WORDS = ("plan", "outline")


def _is_plan_stage(stage: StageUsage) -> bool:
    return any(w in stage.name.lower() for w in _PLAN_STAGE_WORDS)


def cap_checkable(stage: StageUsage) -> bool:
    """Whether a stage's output can be held against its max_tokens: per call, so a stage of several calls
    (outline_sections' sections, summed) needs its calls_at_cap count."""
    if stage.calls > 1:
        return stage.calls_at_cap is not None
    return stage.output_tokens is not None and stage.max_tokens is not None


def cap_hit(stage: StageUsage) -> str:
    """The signal of a stage whose output (of some call, for a multi-call stage) reached its max_tokens, or ""."""
    if not cap_checkable(stage):
        return ""
    if stage.calls > 1:
        n = stage.calls_at_cap or 0
        return (f"stage '{stage.name}': {n} of {stage.calls} calls output their max_tokens {stage.max_tokens}"
                if n else "")
    if stage.output_tokens >= stage.max_tokens:  # type: ignore[operator]
        return f"stage '{stage.name}' output {stage.output_tokens} tokens = its max_tokens {stage.max_tokens}"
    return ""


def truncation_signals(review: Review, undelivered_plan_sections: list[str] | None = None,
                       plan_checked: bool = False) -> tuple[list[str], dict]:
    """(signals that fired, details with the checks that could run and plan-stage signals, which do not count).

    Checks run only on inputs that exist: a finish reason, stage output tokens with the max_tokens the run set,
    the text's last sentence, and the plan's sections (when the plan announces sections)."""
    fired: list[str] = []
    other: list[str] = []
    checked: list[str] = []
    stages = review.usage.stages if review.usage else []
    writing = [st for st in stages if not _is_plan_stage(st)]
    if review.finish_reason or any(st.finish_reason for st in writing):
        checked.append("finish reason")
    if (review.finish_reason or "").lower() == "length":
        fired.append("finish reason 'length'")
    if any(cap_checkable(st) for st in writing):
        checked.append("stage output tokens vs the max_tokens the run set")
    for st in stages:
        target = other if _is_plan_stage(st) else fired
        if (st.finish_reason or "").lower() == "length":
            target.append(f"stage '{st.name}' finish reason 'length'")
        hit = cap_hit(st)
        if hit:
            target.append(hit)
    if review.text.strip():
        checked.append("last sentence complete")
        if ends_mid_sentence(review.text):
            tail = last_prose_line(review.text)[-60:]
            fired.append(f"text ends mid-sentence (…{tail!r})")
    if plan_checked:
        checked.append("plan sections reached")
    if undelivered_plan_sections:
        fired.append(f"{len(undelivered_plan_sections)} plan section(s) never reached: "
                     + "; ".join(undelivered_plan_sections[:5]))
    return fired, {"plan_stage_signals": other, "checked": checked}


def token_cap(review: Review) -> Score:
    """length.at_token_cap: a writing stage's output reached its max_tokens or, unrecorded, a common cap size."""
    name = "length.at_token_cap"
    stages = [st for st in (review.usage.stages if review.usage else []) if not _is_plan_stage(st)]
    known = [st for st in stages if st.output_tokens is not None and (st.calls == 1 or cap_checkable(st))]
    if not known:
        return Score.na(name, "no per-call output token counts were recorded for the writing stages")
    hits = []
    for st in known:
        if cap_checkable(st):
            if cap_hit(st):
                hits.append(cap_hit(st))
        elif st.calls == 1 and st.output_tokens in COMMON_CAPS:
            hits.append(f"stage '{st.name}' output {st.output_tokens} tokens equals a common cap (max_tokens not "
                        "recorded)")
    expl = ("at a token cap: " + "; ".join(hits) + " (not by itself evidence of truncation)" if hits else
            f"no writing stage stopped at a token cap ({len(known)} stage(s) with output token counts)")
    return Score.ok(name, 1.0 if hits else 0.0, expl, signals=hits, stages_checked=len(known))


@scorer_family("length", scores=SCORES, about=ABOUT, light=True)
def score_length(resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
    """Length on the review's own words against the task's word target, and whether the text was cut off."""
    review: Review = resolved.review
    if not review.text.strip():
        why = "the review has no text"
        return [Score.na(n, why) for n in NAMES]
    raw_words = count_words(review.text, marker_spans(review.citations))
    words = own_words(review, cited_items(review, task, resolved.report.classes))  # repeats and pastes earn none
    rep = (f" ({raw_words - words} words of repeated or copied sentences not counted)" if words != raw_words
           else "")
    out = [Score.ok("length.words", raw_words, f"{raw_words} words in the review body (headings in, references and "
                    f"plan out); {words} not in repeated or copied sentences", words=raw_words,
                    non_repeated_words=words)]
    tw = task.target_words
    if tw is None:  # a review scored on its own: any target comes from its plan (plan.* scores)
        why = "the task has no word target (target_words: null); a plan's own target is scored by the plan family"
        out += [Score.na("length.target_ratio", why), Score.na("length.in_target", why)]
    elif tw.midpoint <= 0:
        out.append(Score.na("length.target_ratio", "the task's word target midpoint is 0"))
    else:
        mid = tw.midpoint
        out.append(Score.ok("length.target_ratio", words / mid,
                            f"{words} own words (not repeated, not pasted) / target midpoint {mid:g} ({tw.min}-{tw.max}){rep}",
                            target_min=tw.min, target_max=tw.max, words=words, raw_words=raw_words))
    if tw is not None:
        inside = tw.min <= words <= tw.max
        out.append(Score.ok("length.in_target", 1.0 if inside else 0.0,
                            f"{words} own words (not repeated, not pasted) is "
                            f"{'inside' if inside else ('below' if words < tw.min else 'above')} the target "
                            f"{tw.min}-{tw.max}{rep}", words=words, raw_words=raw_words, target_min=tw.min,
                            target_max=tw.max))
    from harness.scorers.plan import plan_sections, undelivered_sections  # plan parsing lives with the plan family

    plan_checked = bool(review.plan and plan_sections(review.plan))
    missing = undelivered_sections(review, ctx) if plan_checked else []
    fired, det = truncation_signals(review, missing, plan_checked)
    checked = det.pop("checked")
    if not checked:
        out.append(Score.na("length.truncated", "no truncation check could run (no finish reason, token counts, "
                            "text or plan)"))
    elif fired:
        out.append(Score.ok("length.truncated", 1.0, "truncated: " + "; ".join(fired), signals=fired,
                            checked=checked, **det))
    else:
        out.append(Score.ok("length.truncated", 0.0, "no truncation signal (checked: " + ", ".join(checked) + ")",
                            signals=fired, checked=checked, **det))
    out.append(token_cap(review))
    return out
