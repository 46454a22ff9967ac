"""The judges' plug points: support methods and relevance methods, each in one lazy registry.

A *support method* decides whether the papers a sentence cites back it: `fn(claims, task, ctx, spec) ->
MethodResult` (harness.scorers.support), with per-pair verdicts and, where it has one, a score per pair.
A *relevance method* decides whether each cited reference is on the task's topic: `fn(refs, task, ctx, spec) ->
RelevanceResult`. Scoring and `harness judges validate` call the same functions, so a method's measured
agreement with people is the agreement of what scores reviews. `measures` says in plain words what a method's
verdict rests on (reports show it: a topical-closeness method is never labelled "support").
Plug-ins register with `@support_method(...)` / `@relevance_method(...)`; built-ins are declared in
harness.core.registries as "module:attribute" strings, imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.core.registries import BUILTIN_METHODS, DEFAULT_RELEVANCE, DEFAULT_SUPPORT  # noqa: F401 (re-export)
from harness.core.registries import RELEVANCE_METHODS as _RELEVANCE
from harness.core.registries import SUPPORT_METHODS as _SUPPORT
from harness.core.registry import Registry

Verdict = Literal["on-topic", "off-topic", "unjudged"]


@dataclass(frozen=True)
class Evidence:
    """A cited paper that can be checked: its key among the review's cited items, title and abstract."""

    key: str
    title: str | None
    abstract: str

    @property
    def premise(self) -> str:
        """Title plus abstract: what an entailment judge reads."""
        return f"{self.title.rstrip('.')}. {self.abstract}" if self.title else self.abstract


@dataclass
class Claim:
    """One distinct citing sentence (cleaned and capped) and the checkable papers it cites."""

    index: int
    text: str
    capped: bool
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class MethodResult:
    """What one method decided: per-claim recall and per-pair precision verdicts (None = could not judge)."""

    model: str | None = None
    prompt_hash: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    recall_phrase: str = "resemble at least one cited abstract"
    precision_phrase: str = "resemble each other"
    value_key: Literal["similarity", "entailment"] = "similarity"  # SupportVerdict's field for `values`
    na: str | None = None
    recall: dict[int, bool | None] = field(default_factory=dict)
    pairs: dict[tuple[int, str], bool | None] = field(default_factory=dict)
    values: dict[tuple[int, str], float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def set_pair(self, claim: int, key: str, ok: bool | None, value: float | None = None) -> None:
        self.pairs[(claim, key)] = ok
        if value is not None:
            self.values[(claim, key)] = value


@dataclass(frozen=True)
class SupportMethod:
    """A support judge: its name, what its verdict measures, whether it calls a model provider, its function."""

    name: str
    fn: Callable[..., Any]  # (claims, task | None, ctx, spec) -> support.MethodResult
    measures: str  # e.g. "entailment of the sentence by the cited abstract (NLI cross-encoder)"
    calls_provider: bool = False


@dataclass(frozen=True)
class RelevanceRef:
    """One cited reference to judge on-topic: what the review gives of it and what the harness found."""

    key: str  # CitedItem.key
    title: str | None
    url: str | None = None
    abstract: str | None = None
    paper_id: str | None = None  # a task or index paper it resolved to
    in_bibliography: bool = False
    ref_class: str | None = None
    contexts: tuple[str, ...] = ()  # the review's citing sentences


@dataclass
class RelevanceJudgment:
    """A relevance method's verdict on one reference, with the evidence it rests on."""

    verdict: Verdict
    score: float | None = None  # higher = more on-topic (AUROC is computed on it); None if no score
    threshold: float | None = None
    basis: str = ""  # what was compared, in words ("title similarity to topic and outline", ...)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class RelevanceResult:
    """A relevance method's judgments (one per reference, in order), the rule in words, and its identity."""

    judgments: list[RelevanceJudgment]
    rule: str = ""  # how verdicts were reached, for the score's explanation
    details: dict[str, Any] = field(default_factory=dict)  # method, model, prompt hash, calibration figures
    na: str | None = None  # set when the method could judge nothing here (e.g. no threshold), with the reason


@dataclass(frozen=True)
class RelevanceMethod:
    """A relevance judge: its name, what it measures, whether it calls a model provider, its function."""

    name: str
    fn: Callable[..., RelevanceResult]  # (refs, task, ctx, spec) -> RelevanceResult
    measures: str
    calls_provider: bool = False


SUPPORT_METHODS: Registry[SupportMethod] = _SUPPORT  # built-ins declared in harness.core.registries
RELEVANCE_METHODS: Registry[RelevanceMethod] = _RELEVANCE
BUILTIN = BUILTIN_METHODS  # plug-ins aside


def support_method(name: str, measures: str, calls_provider: bool = False) -> Callable:
    """Register the decorated `(claims, task, ctx, spec) -> MethodResult` function as a support method."""

    def deco(fn: Callable) -> Callable:
        SUPPORT_METHODS.add(name, SupportMethod(name, fn, measures, calls_provider))
        return fn

    return deco


def relevance_method(name: str, measures: str, calls_provider: bool = False) -> Callable:
    """Register the decorated `(refs, task, ctx, spec) -> RelevanceResult` function as a relevance method."""

    def deco(fn: Callable) -> Callable:
        RELEVANCE_METHODS.add(name, RelevanceMethod(name, fn, measures, calls_provider))
        return fn

    return deco
