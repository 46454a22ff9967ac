"""Scorers: one family per module, each a pure `(resolved review, task, context) -> list[Score]`.

Each module declares its family with `@scorer_family` (harness.scorers.family); `FAMILIES`, `NAMES` and
`OFFLINE_FAMILIES` are live views of that registry, so a plug-in family registered later appears in them too.
`score_review` resolves the review against the task once, runs the chosen families and turns any exception
inside a family into `Score.err` for each of that family's names, so one broken scorer never stops a run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from harness.core.errors import HarnessError
from harness.models import Review, Score, Task
from harness.papers.resolve import ResolutionReport, ResolvedReview, resolve_for_task
from harness.papers.verify import VerifyConfig, Verifier, verify_resolved
from harness.scorers import family as _family
from harness.scorers.context import ScoringContext, ScoringSuite
from harness.scorers.family import Family, ScorerFn, scorer_family


class _Families(Mapping[str, Family]):
    """family name -> Family (callable as its scoring function), read live from the registry."""

    def __getitem__(self, name: str) -> Family:
        return _family.families()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_family.families())

    def __len__(self) -> int:
        return len(_family.families())

    def __repr__(self) -> str:
        return f"FAMILIES({', '.join(self)})"


class _Names(Mapping[str, list[str]]):
    """family name -> its score names in order, read live from the registry."""

    def __getitem__(self, name: str) -> list[str]:
        return _family.families()[name].names

    def __iter__(self) -> Iterator[str]:
        return iter(_family.families())

    def __len__(self) -> int:
        return len(_family.families())


class _Offline(Sequence[str]):
    """Names of the families that call no provider (all but LLM judges), in registration order, read live."""

    def _names(self) -> list[str]:
        return [n for n, f in _family.families().items() if not f.calls_provider]

    def __getitem__(self, i):  # type: ignore[override]
        return self._names()[i]

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return repr(self._names())


FAMILIES: Mapping[str, Family] = _Families()
NAMES: Mapping[str, list[str]] = _Names()
OFFLINE_FAMILIES: Sequence[str] = _Offline()


def check_families(families: list[str] | None) -> list[str]:
    """The families to run (all when None); HarnessError naming the unknown ones, or for an empty list."""
    if families is None:
        return list(FAMILIES)
    if not families:  # `--scorers ,` or `families: []`: scoring nothing is never what was meant
        raise HarnessError("no scorer family given", field="scorers",
                           hint=f"name one or more of: {', '.join(FAMILIES)} (or leave it out for all)")
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise HarnessError(f"unknown scorer families: {', '.join(unknown)}", field="scorers",
                           hint=f"known: {', '.join(FAMILIES)}")
    return list(dict.fromkeys(families))


def model_calling(families: list[str] | None, judge_model: str | None) -> list[str]:
    """The families among these (None: all) that would call an LLM: those declaring calls_provider, when there is
    a judge model for them to call (without one they score not_applicable and call nothing)."""
    if not judge_model:
        return []
    names = list(FAMILIES) if families is None else families
    return [f for f in names if f in FAMILIES and FAMILIES[f].calls_provider]


def score_review(review: Review, task: Task, context: ScoringContext | None = None,
                 families: list[str] | None = None) -> list[Score]:
    """Resolve the review against the task, then run each family; a failing family yields Score.err per name."""
    ctx = context or ScoringContext()
    fams = check_families(families)
    try:
        if all(FAMILIES[f].review_only for f in fams):  # nothing asked for reads what the references resolve to
            resolved = ResolvedReview(review=review, report=ResolutionReport())
        else:
            resolved = resolve_for_task(review, task, ctx.suite.known())
            if ctx.verify_online:
                verify_resolved(resolved, Verifier(VerifyConfig(cache_dir=ctx.verify_cache_dir)))
    except Exception as exc:  # resolution failing must not lose the run
        why = f"resolving the review against task {task.id!r} failed: {type(exc).__name__}: {exc}"
        return [Score.err(n, why[:500]) for f in fams for n in NAMES[f]]
    out: list[Score] = []
    for fam in fams:
        try:
            scores = FAMILIES[fam].fn(resolved, task, ctx)
        except Exception as exc:  # noqa: BLE001 — reported as error scores, never raised
            why = f"scorer family {fam!r} failed: {type(exc).__name__}: {exc}"
            scores = [Score.err(n, why[:500]) for n in NAMES[fam]]
        out.extend(scores)
    return out


# the built-in families register on import, in this order (the order families run and their scores are written)
from harness.scorers import coverage, citations, length, plan, cost, overlap, judge, structure, degeneracy  # noqa: F401,I001

__all__ = ["FAMILIES", "NAMES", "OFFLINE_FAMILIES", "Family", "ScorerFn", "ScoringContext", "ScoringSuite", "check_families", "model_calling",
           "score_review", "scorer_family"]
