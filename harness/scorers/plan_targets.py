"""What a plan announces about itself: its word target (total, or the sum of its sections), how many sections
it announces, and whether it stops at its own token cap, mid-word, or short of the sections it announced."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.models import Review
from harness.core.text import ends_mid_sentence

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)"
_RANGE = _NUM + r"(?:\s*(?:-|–|—|to)\s*~?\s*" + _NUM + r")?"
# "Total Target Length: ~1500 words", "Word Count Target: 4500-5500 words", "Target length: about 3,000 words"
_TOTAL = re.compile(r"(?:total|overall|target|word\s*count|length|word\s*budget)[^\n:]{0,30}[:：]\s*"
                    r"(?:approx(?:imately|\.)?\s*|about\s*|around\s*|~\s*)*" + _RANGE + r"\s*words?", re.I)
# "(Approx. 500 words)", "(~400 words)", "(400-500 words)"
_SECTION = re.compile(r"\(\s*(?:approx(?:imately|\.)?\s*|about\s*|around\s*|~\s*)*" + _RANGE + r"\s*words?\s*\)",
                      re.I)
_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
          "eleven": 11, "twelve": 12}
_ANNOUNCED = re.compile(r"\b(\d{1,2}|" + "|".join(_WORDS) + r")\s+(?:main\s+|major\s+|core\s+|key\s+|distinct\s+)?"
                        r"(?:sections|chapters|parts)\b", re.I)


# "All 40 provided references", "40 references", "cites 25 papers"
_ANNOUNCED_REFS = re.compile(r"\b(\d{1,4})\s+(?:provided\s+|given\s+|candidate\s+|selected\s+)?"
                             r"(?:references|papers|citations|sources)\b", re.I)


def _n(s: str | None) -> int | None:
    return int(s.replace(",", "")) if s else None


@dataclass
class PlanTargets:
    """A plan's own targets as parsed from its text."""

    words_min: int | None = None
    words_max: int | None = None
    words_source: str | None = None  # "total" or "sections"
    section_words: list[int] = field(default_factory=list)
    announced_sections: int | None = None
    announced_references: int | None = None

    @property
    def words_mid(self) -> float | None:
        if self.words_min is None:
            return None
        return (self.words_min + (self.words_max or self.words_min)) / 2


def plan_targets(plan: str) -> PlanTargets:
    """Word target (a stated total wins over the sum of per-section targets) and the announced section count."""
    text = re.sub(r"[*_`]", "", plan)
    out = PlanTargets()
    m = _TOTAL.search(text)
    if m:
        lo, hi = _n(m.group(1)), _n(m.group(2))
        out.words_min, out.words_max, out.words_source = lo, hi or lo, "total"
    mids = []
    for sm in _SECTION.finditer(text):
        lo, hi = _n(sm.group(1)), _n(sm.group(2))
        mids.append(int(round((lo + (hi or lo)) / 2)))  # type: ignore[operator]
    out.section_words = mids
    if out.words_min is None and mids:
        out.words_min = out.words_max = sum(mids)
        out.words_source = "sections"
    r = _ANNOUNCED_REFS.search(text)
    if r:
        out.announced_references = int(r.group(1))
    a = _ANNOUNCED.search(text)
    if a:
        tok = a.group(1).lower()
        out.announced_sections = int(tok) if tok.isdigit() else _WORDS[tok]
    return out


def _unbalanced_markup(line: str) -> bool:
    body = re.sub(r"^\s*[-*+]\s+", "", line)
    return body.count("**") % 2 == 1 or body.replace("**", "").count("*") % 2 == 1 or body.count("`") % 2 == 1


def plan_cut_signals(review: Review, specified_sections: int) -> tuple[list[str], list[str]]:
    """(signals that the plan itself was cut, checks that could run)."""
    plan = (review.plan or "").rstrip()
    fired: list[str] = []
    checked = ["plan text ends mid-word or mid-line"]
    lines = [ln for ln in plan.splitlines() if ln.strip()]
    last = lines[-1] if lines else ""
    if last and ends_mid_sentence(plan):
        toks = last.split()
        if _unbalanced_markup(last) or (toks and "/" in toks[-1] and not toks[-1].endswith("/")) or len(toks) >= 6:
            fired.append(f"the plan stops mid-line (…{last.strip()[-40:]!r})")
    for st in (review.usage.stages if review.usage else []):
        if not any(w in st.name.lower() for w in ("plan", "outline")):
            continue
        if st.finish_reason or (st.max_tokens is not None and st.output_tokens is not None):
            checked.append(f"stage '{st.name}' finish reason / max_tokens")
        if (st.finish_reason or "").lower() == "length":
            fired.append(f"plan stage '{st.name}' finish reason 'length'")
        elif st.max_tokens is not None and st.output_tokens is not None and st.output_tokens >= st.max_tokens:
            fired.append(f"plan stage '{st.name}' output {st.output_tokens} tokens = its max_tokens {st.max_tokens}")
    announced = plan_targets(plan).announced_sections
    if announced is not None:
        checked.append("announced vs specified sections")
        if announced > specified_sections:
            fired.append(f"the plan announces {announced} sections but specifies {specified_sections}")
    return fired, checked
