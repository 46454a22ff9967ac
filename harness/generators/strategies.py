"""LLM prompting strategies (the `@strategy` registry: zero_shot, plan_then_write, outline_sections, closed_book)
and the LLM generator.

Chat mode asks an instruction-tuned model for a whole markdown review with "[n]" citations and a
reference list. Completion mode (for base models such as the embedded Gemma 3 270M) sends the beginning
of a document -- title, a "References" block of the shown papers as "[n] Title" lines, then the first
heading -- and the review is the generated body followed by that same list of shown papers.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from harness.core.errors import HarnessError
from harness.core.registries import STRATEGIES as _STRATEGIES
from harness.core.registry import Registry
from harness.generators.kinds import generator_kind
from harness.generators.base import Generation, GeneratorSpec, LLMClient, LLMRequest
from harness.llm.client import ProviderError
from harness.llm.types import LOCAL_MODEL
from harness.generators.pool_select import derive_seed, select_pool, tokenize
from harness.generators.prompting import format_pool, reference_list, render
from harness.generators.recording import CallLog, cited_numbers, reply_flags, split_body
from harness.models import Paper, Task
from harness.core.text import NUMERIC_MARKER, expand_marker
from harness.readers import parse_text

COMPLETION_STOP = ["\n## References", "\n# ", "\nReferences\n"]


def subject_of(topic: str) -> str:
    """The subject of a task topic: its first clause, without a leading "Write a literature review of" or asides."""
    head = re.sub(r"^\s*write\s+an?\s+(?:literature\s+)?(?:review|survey)\s+(?:of|on)\s+", "", topic, flags=re.I)
    head = re.sub(r"\s*\([^)]*\)", "", head)
    head = re.split(r"[:;,]", head, maxsplit=1)[0].strip().rstrip(".")
    return head[:100].rsplit(" ", 1)[0] if len(head) > 100 else head


def title_of(topic: str) -> str:
    """A short document title from a task topic: its subject, capitalised, as "<Subject>: A Survey"."""
    head = subject_of(topic)
    return f"{head[:1].upper()}{head[1:]}: A Survey" if head else "A Survey"


@dataclass
class Draft:
    """What a strategy produces: the review markdown, the plan (if any) and extra flags."""

    markdown: str
    plan: str | None = None
    flags: list[str] = field(default_factory=list)


@dataclass
class StrategyRun:
    """Everything a strategy needs for one generation: task, shown papers, params, and a recorded client."""

    task: Task
    spec: GeneratorSpec
    mode: str
    papers: list[Paper]
    rng_seed: int
    client: LLMClient
    log: CallLog

    def param(self, name: str, default: Any) -> Any:
        return self.spec.params.get(name, default)

    @property
    def title(self) -> str:
        return title_of(self.task.topic)

    @property
    def words(self) -> tuple[int, int]:
        if self.task.target_words is None:
            raise HarnessError(f"task {self.task.id!r} has no word target (target_words: null)", field="target_words",
                               hint="generators need one: set target_words {min, max} in the task file")
        return self.task.target_words.min, self.task.target_words.max

    def pool_text(self, papers: list[Paper] | None = None, numbers: list[int] | None = None) -> str:
        """Shown papers as "[n] Title" lines (abstracts in chat mode unless params.abstracts is false)."""
        papers = self.papers if papers is None else papers
        abstracts = bool(self.param("abstracts", self.mode == "chat"))
        return format_pool(papers, abstracts=abstracts, abstract_chars=int(self.param("abstract_chars", 300)),
                           numbers=numbers)

    def max_tokens(self, stage: str, default: int) -> int:
        """params.<stage>_max_tokens, else params.max_tokens for the final stage, else the default."""
        value = self.param(f"{stage}_max_tokens", None)
        if value is None and stage in ("write", "section"):
            value = self.param("max_tokens", None)
        return int(value if value is not None else default)

    def common(self) -> dict[str, Any]:
        """Template variables every template may use."""
        lo, hi = self.words
        subject = subject_of(self.task.topic)
        # Completion mode only: a first sentence that shows a base model the citation format. It is part of the
        # prompt, never of the review (assemble_completion keeps only the continuation), so it scores nothing.
        lead = f"Research on {subject[:1].lower()}{subject[1:]} has grown quickly [1]." if self.papers else ""
        return {"topic": self.task.topic, "since": self.task.since, "title": self.title, "lead": lead,
                "words_min": lo, "words_max": hi, "refs_min": self.task.target_references.min}

    async def call(self, stage: str, template: str, max_tokens: int, stop: list[str] | None = None,
                   **variables: Any) -> str:
        """Render a template (chat_/completion_ variant by mode), send it, record it, return the text."""
        rendered = render(f"{template}_{self.mode}", **{**self.common(), **variables})
        req: dict[str, Any] = {
            "model": self.spec.model, "stage": stage, "mode": self.mode, "max_tokens": max_tokens,
            "temperature": float(self.param("temperature", 0.0)), "seed": self.rng_seed,
            "stop": stop if self.mode == "completion" else self.param("stop", None),
            "api_base": self.spec.api_base, "extra": dict(self.param("extra", {})),
            "template": rendered.template.label, "template_hash": rendered.template.hash,
        }
        if self.mode == "completion":
            req["prompt"] = rendered.text
        else:
            req["messages"] = [{"role": "user", "content": rendered.text}]
        resp = await self.log.call(self.client, LLMRequest(**req))
        return resp.text

    def default_write_tokens(self) -> int:
        """Enough tokens for the target length (about 1.5 tokens a word plus the reference list)."""
        tokens = int(self.words[1] * 1.5) + 40 * len(self.papers) + 300
        cap = 2048 if self.spec.model == LOCAL_MODEL else 16000
        return max(256, min(tokens, cap))


StrategyFn = Callable[[StrategyRun], Awaitable[Draft]]
STRATEGIES: Registry[StrategyFn] = _STRATEGIES  # name -> fn; built-ins known by name before this module loads
_NO_POOL: set[str] = set()  # strategies that are shown no pool papers (closed_book)
_ROUNDS: dict[str, int] = {}  # each registered strategy's rounds of calls (plan_then_write: 2)


def strategy(name: str, *, shows_pool: bool = True, rounds: int = 1) -> Callable[[StrategyFn], StrategyFn]:
    """Register `async fn(run: StrategyRun) -> Draft` as the prompting strategy `name` (built-ins and plug-ins).

    shows_pool=False: the strategy is given no pool papers (run.papers is empty), as closed_book.
    rounds: how many of a generation's calls run one after another, each waiting for the one before (a plan,
    then the writing: 2); the runner starts the cells of longer chains first.
    """
    if rounds < 1:
        raise HarnessError(f"strategy {name!r}: rounds must be at least 1, not {rounds}", field="rounds")

    def decorate(fn: StrategyFn) -> StrategyFn:
        STRATEGIES.add(name, fn)
        (_NO_POOL.discard if shows_pool else _NO_POOL.add)(name)
        _ROUNDS[name] = rounds
        return fn

    return decorate


def shows_pool(name: str) -> bool:
    """Whether the strategy `name` is shown pool papers."""
    return name not in _NO_POOL


def strategy_rounds(name: str) -> int:
    """How many rounds of calls one generation of strategy `name` makes (its declaration; 1 if undeclared)."""
    return _ROUNDS.get(name, 1)


def assemble_completion(title: str, first_heading: str, body: str, papers: list[Paper],
                        numbers: list[int] | None = None) -> str:
    """Completion-mode review: title, first heading, the generated body, then the shown papers as the list."""
    body = body.strip("\n")
    refs = reference_list(papers, numbers) if papers else ""
    out = f"# {title}\n\n{first_heading}\n\n{body}\n"
    if refs:
        out += f"\n## References\n\n{refs}\n"
    return out


@strategy("zero_shot")
async def zero_shot(run: StrategyRun) -> Draft:
    """zero_shot: one call with the topic and the shown pool (titles, abstracts where present) that returns the
    whole review with numeric citations and a reference list; the plain baseline of every survey-generation
    paper (e.g. the "naive" baselines of AutoSurvey, Wang et al. 2024, and SurGE)."""
    stop = COMPLETION_STOP
    text = await run.call("write", "zero_shot", run.max_tokens("write", run.default_write_tokens()), stop,
                          pool=run.pool_text())
    if run.mode == "completion":
        return Draft(assemble_completion(run.title, "## 1 Introduction", text, run.papers))
    return Draft(text)


@strategy("plan_then_write", rounds=2)
async def plan_then_write(run: StrategyRun) -> Draft:
    """plan_then_write: a plan call (sections, word budget, which pool papers each section cites), then one
    writing call that follows the plan; the plan is kept in Review.plan so adherence can be scored. This is the
    LitLLM pipeline (Agarwal et al. 2024, plan-based generation) and the seed's generator."""
    if run.mode == "completion":
        plan_tail = await run.call("plan", "plan", run.max_tokens("plan", 160), ["\n\n", "\n#"],
                                   pool=run.pool_text())
        plan = "1. Introduction\n2." + plan_tail.rstrip()
    else:
        plan = (await run.call("plan", "plan", run.max_tokens("plan", 2000), pool=run.pool_text())).strip()
    text = await run.call("write", "write_plan", run.max_tokens("write", run.default_write_tokens()),
                          COMPLETION_STOP, pool=run.pool_text(), plan=plan)
    if run.mode == "completion":
        return Draft(assemble_completion(run.title, "## 1 Introduction", text, run.papers), plan=plan)
    return Draft(text, plan=plan)


_OUTLINE_HEAD = re.compile(r"^\s*(?:#{1,6}\s*)?(?:(?:section\s+)?\d+[.)]?\s+)?(?P<title>.+?)\s*$", re.I)
_NUMBERED = re.compile(r"^\s*(?:#{1,6}\s*)?(?:\d+[.)]|[-*])\s+(?P<title>\S.*?)\s*$")
_PAPERS_LINE = re.compile(r"^\s*[-*]?\s*\**papers?\**\s*:", re.I)


def parse_outline(text: str, n_papers: int) -> list[tuple[str, list[int]]]:
    """Sections of an outline reply: "## Title" or "1. Title" lines, each with the [n] numbers of its Papers line."""
    sections: list[tuple[str, list[int]]] = []
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if _PAPERS_LINE.match(s) or (sections and NUMERIC_MARKER.search(s) and not s.startswith("#")):
            if sections:
                nums = [n for m in NUMERIC_MARKER.finditer(s) for n in expand_marker(m.group(1))]
                sections[-1][1].extend(n for n in nums if 1 <= n <= n_papers and n not in sections[-1][1])
            continue
        m = _NUMBERED.match(s) if not s.startswith("#") else _OUTLINE_HEAD.match(s)
        if m:
            title = re.sub(r"\(~?\s*\d+\s*words?\)", "", m.group("title")).strip(" *#:-")
            if title and len(title) <= 120:
                sections.append((title, []))
    seen: set[str] = set()
    out = []
    for title, nums in sections:
        key = title.lower()
        if key not in seen:
            seen.add(key)
            out.append((title, nums))
    return out


def assign_by_overlap(titles: list[str], papers: list[Paper]) -> list[list[int]]:
    """Give every paper (1-based index) to the section whose title shares most words with it; ties round-robin."""
    stop = {"and", "of", "the", "for", "in", "on", "a", "an", "to", "with", "introduction", "conclusion"}
    sec_tokens = [set(tokenize(t)) - stop for t in titles]
    out: list[list[int]] = [[] for _ in titles]
    body = [i for i, t in enumerate(titles) if t.lower() not in ("introduction", "conclusion", "conclusions")]
    body = body or list(range(len(titles)))
    for i, paper in enumerate(papers):
        words = set(tokenize(paper.title))
        scores = [len(sec_tokens[j] & words) for j in body]
        best = max(scores) if scores else 0
        j = body[scores.index(best)] if best > 0 else body[i % len(body)]
        out[j].append(i + 1)
    return out


def renumber(sections_text: list[str], n_shown: int) -> tuple[list[str], list[int], bool]:
    """Renumber markers by first appearance across sections: (new texts, shown numbers in new order, invented?)."""
    order: list[int] = []
    invented = False
    for text in sections_text:
        for n in cited_numbers(text):
            if 1 <= n <= n_shown and n not in order:
                order.append(n)
            elif not 1 <= n <= n_shown:
                invented = True
    new_of = {old: i + 1 for i, old in enumerate(order)}
    bogus: dict[int, int] = {}

    def sub(m: re.Match) -> str:
        nums = []
        for n in expand_marker(m.group(1)):
            if n in new_of:
                nums.append(new_of[n])
            else:  # keep invented numbers dangling (beyond the list) so scorers still see them
                nums.append(bogus.setdefault(n, n_shown + 1000 + len(bogus)))
        return "[" + ", ".join(str(x) for x in sorted(set(nums))) + "]"

    return [NUMERIC_MARKER.sub(sub, t) for t in sections_text], order, invented


@strategy("outline_sections", rounds=2)
async def outline_sections(run: StrategyRun) -> Draft:
    """outline_sections: an outline call (section titles, and in chat mode the pool papers each section cites),
    then one call per section with only its papers (run concurrently), then assembly under one merged reference
    list renumbered by first citation. This is AutoSurvey's outline-then-sections pipeline (Wang et al. 2024),
    also used by STORM (Shao et al. 2024) and SurveyForge."""
    n_sections = int(run.param("n_sections", 6))
    if run.mode == "completion":
        tail = await run.call("outline", "outline", run.max_tokens("outline", 120), ["\n\n", "\n#"],
                              pool=run.pool_text())
        outline_text = "1. Introduction\n2." + tail.rstrip()
    else:
        outline_text = (await run.call("outline", "outline", run.max_tokens("outline", 1500),
                                       pool=run.pool_text(), n_sections=n_sections)).strip()
    flags: list[str] = []
    sections = parse_outline(outline_text, len(run.papers))[: max(n_sections, 2) + 2]
    if len(sections) < 2:
        flags.append("outline_unparsed")
        sections = [("Introduction", []), ("Methods and Findings", []), ("Conclusion", [])]
    titles = [t for t, _ in sections]
    if run.mode == "completion" or not any(nums for _, nums in sections):
        assigned = assign_by_overlap(titles, run.papers)
    else:
        assigned = [nums for _, nums in sections]
    toc = "\n".join(f"{i}. {t}" for i, t in enumerate(titles, 1))
    words = max(60, int(sum(run.words) / 2 / len(titles)))
    default_tokens = int(words * 1.6) + 200
    if run.spec.model == LOCAL_MODEL:
        default_tokens = min(default_tokens, 512)

    async def write(i: int, title: str, nums: list[int]) -> str:
        papers = [run.papers[n - 1] for n in nums]
        return await run.call("section", "section", run.max_tokens("section", default_tokens),
                              ["\n## ", "\n# ", "\nReferences\n"], pool=run.pool_text(papers, nums),
                              outline=toc if run.mode == "completion" else outline_text,
                              index=i, section_title=title, words=words)

    texts = await asyncio.gather(*(write(i, t, nums) for i, (t, nums) in enumerate(zip(titles, assigned), 1)))
    texts = [re.sub(r"^\s*#{1,6}[^\n]*\n", "", t.strip("\n")) if t.lstrip().startswith("#") else t.strip("\n")
             for t in texts]
    new_texts, order, invented = renumber(texts, len(run.papers))
    if invented:
        flags.append("invented_reference_numbers")
    shown = list(order)
    if run.mode == "completion":  # the review's list is every paper shown: cited first, then the rest
        shown += [n for nums in assigned for n in nums if n not in shown]
    body = "\n\n".join(f"## {i} {t}\n\n{txt}" for i, (t, txt) in enumerate(zip(titles, new_texts), 1))
    refs = reference_list([run.papers[n - 1] for n in shown], list(range(1, len(shown) + 1)))
    md = f"# {run.title}\n\n{body}\n"
    if refs:
        md += f"\n## References\n\n{refs}\n"
    return Draft(md, plan=outline_text, flags=flags)


@strategy("closed_book", shows_pool=False)
async def closed_book(run: StrategyRun) -> Draft:
    """closed_book: the topic only, no pool; the model cites from memory and its references are resolved by title
    against the task's papers, so invented references show up as unresolved -- the hallucination control
    used in citation-accuracy studies of LLM-written reviews (e.g. ALCE, Gao et al. 2023; SurGE's checks)."""
    text = await run.call("write", "closed_book", run.max_tokens("write", run.default_write_tokens()),
                          ["\n# "] if run.mode == "completion" else None)
    if run.mode == "completion":
        return Draft(f"# {run.title}\n\n## 1 Introduction\n\n{text.strip()}\n")
    return Draft(text)


def default_mode(spec: GeneratorSpec) -> str:
    """Completion mode for the local base model unless the spec sets a mode explicitly."""
    if "mode" in spec.model_fields_set:
        return spec.mode
    return "completion" if spec.model == LOCAL_MODEL else spec.mode


def _llm_rounds(spec: GeneratorSpec) -> int:
    """Rounds of calls in one generation of an llm generator: its strategy's."""
    return strategy_rounds(spec.strategy or "zero_shot")


@generator_kind("llm", calls_provider=True, requires=("model",), rounds=_llm_rounds)
class LLMGenerator:
    """A litellm model x prompting strategy x pool selection; bad replies become flagged Generations."""

    def __init__(self, spec: GeneratorSpec):
        if not spec.model:
            raise HarnessError(f"generator {spec.name!r}: kind llm needs a model", field="model",
                               hint=f"e.g. openai/gpt-4o-mini or {LOCAL_MODEL}")
        strategy = spec.strategy or "zero_shot"
        if strategy not in STRATEGIES:
            raise HarnessError(f"generator {spec.name!r}: unknown strategy {strategy!r}", field="strategy",
                               hint=f"known: {', '.join(STRATEGIES)}")
        self.spec = spec
        self.strategy = strategy
        self.mode = default_mode(spec)

    async def generate(self, task: Task, seed: int, client: LLMClient | None) -> Generation:
        """Select the pool, run the strategy through the client, parse the markdown, record calls and flags."""
        if client is None:
            from harness.llm.client import LiteLLMClient

            client = LiteLLMClient(price=self.spec.price)
        start = time.perf_counter()
        rng_seed = derive_seed(task.id, self.spec.name, seed)
        papers = select_pool(task, self.spec.pool, rng_seed) if shows_pool(self.strategy) else []
        log = CallLog(model=self.spec.model or "", price=self.spec.price)
        run = StrategyRun(task=task, spec=self.spec, mode=self.mode, papers=papers, rng_seed=rng_seed,
                          client=client, log=log)
        gen = Generation(task_id=task.id, generator=self.spec.name, seed=seed)
        try:
            draft = await STRATEGIES[self.strategy](run)
        except ProviderError as exc:
            return gen.model_copy(update={"calls": log.calls, "prompts": log.prompts, "error": str(exc),
                                          "flags": ["provider_error"], "latency_s": time.perf_counter() - start})
        return finish_generation(gen, draft, task, log, time.perf_counter() - start, papers)


def finish_generation(gen: Generation, draft: Draft, task: Task, log: CallLog, wall_s: float,
                      shown: list[Paper] | None = None) -> Generation:
    """Parse the draft into a Review (papers = the pool shown), attach plan, usage, finish reason; flag bad replies."""
    update: dict[str, Any] = {"calls": log.calls, "prompts": log.prompts, "latency_s": wall_s}
    try:
        review = parse_text(draft.markdown, format="markdown", pool=shown or None)
    except Exception as exc:  # an unparseable reply is a result to report, not a crash
        update.update(error=f"could not parse the reply as markdown: {exc}", flags=["unparseable"])
        return gen.model_copy(update=update)
    review = review.model_copy(update={"plan": draft.plan, "usage": log.usage(wall_s), "topic": task.topic,
                                       "finish_reason": log.finish_reason()})
    flags = reply_flags(review, [c.finish_reason for c in log.calls], log.empty_stages())
    flags += [f for f in draft.flags if f not in flags]
    update.update(review=review, flags=flags)
    return gen.model_copy(update=update)


__all__ = ["LLMGenerator", "STRATEGIES", "strategy", "shows_pool", "StrategyRun", "Draft", "parse_outline", "renumber", "split_body",
           "title_of", "default_mode", "finish_generation"]
