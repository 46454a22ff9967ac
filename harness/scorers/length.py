"""Length against the task's word target, and truncation (hit a token cap, stopped mid-sentence, plan unfinished)."""

from __future__ import annotations

from harness.models import Review, Score, StageUsage, Task
from harness.text import count_words, ends_mid_sentence, last_prose_line

NAMES = ["length.words", "length.target_ratio", "length.in_target", "length.truncated"]

# When a stage's max_tokens is not recorded, an output of exactly one of these sizes is taken as a hit cap.
COMMON_CAPS = (1024, 2048, 4096, 8192, 16384, 32768)
_PLAN_STAGE_WORDS = ("plan", "outline")


def _is_plan_stage(stage: StageUsage) -> bool:
    return any(w in stage.name.lower() for w in _PLAN_STAGE_WORDS)


def truncation_signals(review: Review, undelivered_plan_sections: list[str] | None = None) -> tuple[list[str], dict]:
    """Which truncation signals fire for the review text (and, in details, for plan stages, which do not count)."""
    fired: list[str] = []
    other: list[str] = []
    if (review.finish_reason or "").lower() == "length":
        fired.append("finish reason 'length'")
    stages = review.usage.stages if review.usage else []
    for st in stages:
        target = other if _is_plan_stage(st) else fired
        if (st.finish_reason or "").lower() == "length":
            target.append(f"stage '{st.name}' finish reason 'length'")
        if st.output_tokens is None:
            continue
        if st.max_tokens is not None:
            if st.output_tokens >= st.max_tokens:
                target.append(f"stage '{st.name}' output {st.output_tokens} tokens = its max_tokens {st.max_tokens}")
        elif st.output_tokens in COMMON_CAPS:
            target.append(f"stage '{st.name}' output {st.output_tokens} tokens equals a common cap "
                          f"(max_tokens not recorded; assumed hit)")
    if review.text.strip() and ends_mid_sentence(review.text):
        tail = last_prose_line(review.text)[-60:]
        fired.append(f"text ends mid-sentence (…{tail!r})")
    if undelivered_plan_sections:
        fired.append(f"{len(undelivered_plan_sections)} plan section(s) never reached: "
                     + "; ".join(undelivered_plan_sections[:5]))
    return fired, {"plan_stage_signals": other}


def score_length(resolved, task: Task, ctx) -> list[Score]:
    """length.* scores of a review against the task's word target."""
    review: Review = resolved.review
    if not review.text.strip():
        why = "the review has no text"
        return [Score.na(n, why) for n in NAMES]
    words = count_words(review.text)
    out = [Score.ok("length.words", words, f"{words} words in the review body (headings in, references and plan out)")]
    tw = task.target_words
    if tw is None:  # a review scored on its own: any target comes from its plan (plan.* scores)
        why = "the task has no word target (target_words: null); a plan's own target is scored by the plan family"
        out += [Score.na("length.target_ratio", why), Score.na("length.in_target", why)]
    elif tw.midpoint <= 0:
        out.append(Score.na("length.target_ratio", "the task's word target midpoint is 0"))
    else:
        mid = tw.midpoint
        out.append(Score.ok("length.target_ratio", words / mid,
                            f"{words} words / target midpoint {mid:g} ({tw.min}-{tw.max})", target_min=tw.min,
                            target_max=tw.max))
    if tw is not None:
        inside = tw.min <= words <= tw.max
        out.append(Score.ok("length.in_target", 1.0 if inside else 0.0,
                            f"{words} words is {'inside' if inside else ('below' if words < tw.min else 'above')} "
                            f"the target {tw.min}-{tw.max}"))
    from harness.scorers.plan import undelivered_sections  # plan parsing lives with the plan family

    missing = undelivered_sections(review, ctx) if review.plan else []
    fired, det = truncation_signals(review, missing)
    checked = ["finish reason", "stage output tokens vs max_tokens (or a common cap when unrecorded)",
               "last sentence complete", "plan sections reached"]
    if fired:
        expl = "truncated: " + "; ".join(fired)
    else:
        expl = "no truncation signal (checked: " + ", ".join(checked) + ")"
    out.append(Score.ok("length.truncated", 1.0 if fired else 0.0, expl, signals=fired, checked=checked, **det))
    return out
