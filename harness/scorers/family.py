"""Scorer families as objects: name, ordered score names with each score's direction, and the scoring function.

Every family is declared once, in its own module, with `@scorer_family(...)`, and lives in one registry; the
family list, the score names, the report's arrows and the gate's directions are all read from it. A plug-in
module registers its family the same way (imported by the config's `plugins:`), so it appears everywhere too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Literal, get_args

from harness.core.errors import HarnessError
from harness.core.registries import SCORER_FAMILIES
from harness.core.registry import Registry
from harness.models import Score, Task
from harness.papers.resolve import ResolvedReview

if TYPE_CHECKING:
    from harness.scorers import ScoringContext

Direction = Literal["higher", "lower", "none"]  # which way is better; "none": neither (a count, a ratio best at 1)
DIRECTIONS: tuple[str, ...] = get_args(Direction)

ScorerFn = Callable[[ResolvedReview, Task, "ScoringContext"], list[Score]]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")  # no dots: a score name's family is its first dotted part


@dataclass(frozen=True)
class Family:
    """One scorer family: the scores it always emits (in order) with their directions, and its function.

    `patterns` gives directions to score names made at run time (fnmatch globs such as "overlap.extra.*");
    `calls_provider` marks a family that calls an LLM (e.g. the judge), which offline scoring leaves out;
    `light` marks one that scores from counts and the text alone (no model, no index), so cheaply that a worker
    process would cost more than it saves: executors score a job of light families only on the driver;
    `review_only` marks one that reads the review alone (usage, text), never what its references resolve to, so
    a job of such families skips resolution;
    `about` holds a one-line explanation per score, where the module has one; `judges` names the judge whose
    verdicts a score counts (score name or pattern -> judge kind: "support", "relevance", "rubric", ...), so a
    report can show that judge's agreement with people (its judge card, harness.judges) beside the score."""

    name: str
    scores: dict[str, Direction]
    fn: ScorerFn
    calls_provider: bool = False
    patterns: dict[str, Direction] = field(default_factory=dict)
    about: dict[str, str] = field(default_factory=dict)
    judges: dict[str, str] = field(default_factory=dict)
    light: bool = False
    review_only: bool = False

    @property
    def names(self) -> list[str]:
        """The score names the family always emits, in order (an error row is written for each on failure)."""
        return list(self.scores)

    @property
    def description(self) -> str:
        """The first line of the scoring function's docstring (what the family measures)."""
        return ((self.fn.__doc__ or "").strip().splitlines() or [""])[0]

    def direction(self, metric: str) -> Direction | None:
        """The direction the family declares for a score name (exact, then by pattern); None if not its score."""
        if metric in self.scores:
            return self.scores[metric]
        for pattern, way in self.patterns.items():
            if fnmatchcase(metric, pattern):
                return way
        return None

    def judge(self, metric: str) -> str | None:
        """The kind of judge a score of this family counts the verdicts of (exact, then by pattern); None if none."""
        if metric in self.judges:
            return self.judges[metric]
        return next((kind for pattern, kind in self.judges.items() if fnmatchcase(metric, pattern)), None)

    def __call__(self, resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
        return self.fn(resolved, task, ctx)


REGISTRY: Registry[Family] = SCORER_FAMILIES  # name -> family; built-ins known by name before their modules load


def _check(fam: Family) -> None:
    """HarnessError when a declaration is malformed: a bad name, a score outside the family, an unknown direction."""
    where = f"scorer family {fam.name!r}"
    if not _NAME.match(fam.name or ""):
        raise HarnessError(f"{where}: a family name is letters, digits, '_' or '-' (no dots), starting with a letter")
    if not callable(fam.fn):
        raise HarnessError(f"{where}: its function is not callable")
    if not fam.scores:
        raise HarnessError(f"{where} declares no score names", hint="scores={'NAME.metric': 'higher'}")
    for kind, table in (("score", fam.scores), ("pattern", fam.patterns), ("judged score", fam.judges)):
        for name, way in table.items():
            if not str(name).startswith(fam.name + ".") or name == fam.name + ".":
                raise HarnessError(f"{where}: {kind} {name!r} does not start with {fam.name + '.'!r}",
                                   hint="a score's family is the first part of its name")
            if kind != "judged score" and way not in DIRECTIONS:
                raise HarnessError(f"{where}: {kind} {name!r} has direction {way!r}",
                                   hint="use one of: " + ", ".join(DIRECTIONS))


def register(fam: Family) -> Family:
    """Add a family to the registry (HarnessError on a malformed one, or a name another function holds)."""
    _check(fam)
    REGISTRY.add(fam.name, fam)  # the same function re-imported replaces itself
    return fam


def scorer_family(name: str, scores: dict[str, Direction], calls_provider: bool = False, *,
                  patterns: dict[str, Direction] | None = None,
                  about: dict[str, str] | None = None,
                  judges: dict[str, str] | None = None, light: bool = False, review_only: bool = False
                  ) -> Callable[[ScorerFn], ScorerFn]:
    """Register the decorated `(resolved review, task, context) -> list[Score]` function as a scorer family."""

    def deco(fn: ScorerFn) -> ScorerFn:
        register(Family(name, dict(scores), fn, calls_provider, dict(patterns or {}), dict(about or {}),
                        dict(judges or {}), light, review_only))
        return fn

    return deco


def families() -> dict[str, Family]:
    """The registered families by name, in registration order (a copy: register through `register`)."""
    return dict(REGISTRY.items())


def get_family(name: str) -> Family | None:
    return REGISTRY.get(name, None)


def all_light(families: list[str] | None, *, review_only: bool = False) -> bool:
    """True when these families (None: all) are all light: a worker process would cost more than it saves; with
    review_only, when they also all read the review alone (no resolution: microseconds, not even a thread hop)."""
    flags = ("light", "review_only") if review_only else ("light",)
    return families is not None and all(getattr(get_family(f), a, False) for f in families for a in flags)


def owner(metric: str) -> Family | None:
    """The registered family that declares a score name (its first dotted part names it), else None."""
    fam = REGISTRY.get(metric.split(".", 1)[0], None)
    return fam if fam is not None and fam.direction(metric) is not None else None


def judge_of(metric: str) -> str | None:
    """The kind of judge the owning family declares for a score name; None when it is not a judged score."""
    fam = owner(metric)
    return fam.judge(metric) if fam is not None else None


def declared_direction(metric: str) -> Direction | None:
    """The direction a registered family declares for the score name; None when no family declares it."""
    fam = owner(metric)
    return fam.direction(metric) if fam is not None else None
