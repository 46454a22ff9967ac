"""Cross-checks of reported usage: totals that contradict their stages, negative and absurd values."""

from __future__ import annotations

from harness.models import Usage

# Beyond these a reported figure is implausible for one review (warned about, kept).
ABSURD_TOKENS = 50_000_000
ABSURD_COST_USD = 1_000.0


def check_usage(usage: Usage | None, block: str = "") -> tuple[Usage | None, list[str]]:
    """(usage with contradictions fixed, warnings): a total that differs from the sum of its stages is replaced
    by the sum; negative tokens or cost are dropped (None); absurd values are kept with a warning."""
    if usage is None:
        return None, []
    u = usage.model_copy(deep=True)
    warnings: list[str] = []
    for st in u.stages:
        for fld in ("input_tokens", "output_tokens"):
            v = getattr(st, fld)
            if v is not None and v < 0:
                warnings.append(f"usage: stage '{st.name}' {fld.replace('_', ' ')} is negative ({v}); ignored")
                setattr(st, fld, None)
    for fld in ("input_tokens", "output_tokens"):
        total = getattr(u, fld)
        label = fld.replace("_", " ")
        if total is not None and total < 0:
            warnings.append(f"usage: total {label} is negative ({total}); ignored")
            total = None
            setattr(u, fld, None)
        vals = [getattr(s, fld) for s in u.stages]
        if vals and all(v is not None for v in vals):
            stage_sum = sum(vals)  # type: ignore[arg-type]
            if total is None:
                setattr(u, fld, stage_sum)
            elif total != stage_sum:
                warnings.append(f"usage: total {label} {total} contradicts the stages' sum {stage_sum}; "
                                "the stage sum is used")
                setattr(u, fld, stage_sum)
        v = getattr(u, fld)
        if v is not None and v > ABSURD_TOKENS:
            warnings.append(f"usage: {label} {v} is implausibly large for one review (> {ABSURD_TOKENS:,})")
    if u.cost_usd is not None:
        if u.cost_usd < 0:
            warnings.append(f"usage: total cost is negative ({u.cost_usd}); ignored")
            u.cost_usd, u.cost_source = None, None
        elif u.cost_usd > ABSURD_COST_USD:
            warnings.append(f"usage: total cost ${u.cost_usd:,.2f} is implausibly large for one review "
                            f"(> ${ABSURD_COST_USD:,.0f})")
    return u, warnings
