"""Adversarial controls: offline generator kinds whose "review" is built to win a metric without being a review.

Each is a negative control — a sound leaderboard ranks every one of them below the `extractive` baseline — and
each exercises one defence (README, "Gaming"). They read what an attacker could: the task's own bibliography and
reference outline, which no honest generator is shown. Deterministic, no provider, the seed unused.

- bibliography_dump: a few words of prose, then one sentence citing every bibliography paper;
- abstract_paste: whole bibliography abstracts pasted under the outline's headings, each with its citation;
- title_paste: "Work on <title> is discussed here [n]." for every bibliography paper (the stub-LLM attack);
- filler_padding: one copied sentence per section, one sentence citing the whole bibliography, then one filler
  sentence repeated up to the word target;
- repeated_paragraph: one cited paragraph repeated up to the word target;
- headings_only: the reference survey's outline as headings, with no text.
"""

from __future__ import annotations

import time
from typing import Callable

from harness.generators import generator_kind
from harness.generators.base import Generation, GeneratorSpec, LLMClient
from harness.generators.prompting import reference_list
from harness.generators.recording import reply_flags
from harness.generators.strategies import title_of
from harness.models import Paper, Task, Usage
from harness.core.text import split_sentences

FILLER = ("This line of research continues to attract attention and remains an important direction for the "
          "community in the years to come.")
DEFAULT_WORDS = 5000  # the word target an attack fills when the task has none


def bibliography(task: Task) -> list[Paper]:
    """The task's reference bibliography, in its order (what the attacker copies from)."""
    return [task.paper(pid) for pid in task.reference_papers]


def target_words(task: Task) -> int:
    """The midpoint of the task's word target (DEFAULT_WORDS without one): what padding aims for."""
    return int(task.target_words.midpoint) if task.target_words else DEFAULT_WORDS


def outline(task: Task, n: int = 6) -> list[str]:
    """Up to n top-level headings of the reference survey's outline (generic ones when it has none)."""
    heads = [h.split(">")[-1].strip() for h in task.reference_survey.outline if h.strip() and ">" not in h]
    return heads[:n] or ["Introduction", "Methods", "Applications", "Challenges", "Conclusion"]


def first_sentence(paper: Paper, max_words: int = 45) -> str:
    """The abstract's first sentence (cut to max_words), or a sentence naming the title when there is none."""
    if paper.abstract and paper.abstract.strip():
        sents = split_sentences(" ".join(paper.abstract.split()))
        s = sents[0] if sents else paper.abstract.strip()
        words = s.split()
        if len(words) > max_words:
            s = " ".join(words[:max_words])
        return s.rstrip(" .;:,")
    return f'The paper "{" ".join(paper.title.split()).rstrip(".")}" addresses this theme'


def _document(task: Task, sections: list[tuple[str, list[str]]], refs: list[Paper]) -> str:
    lines = [f"# {title_of(task.topic)}", ""]
    for head, paras in sections:
        lines += [f"## {head}", "", *[p + "\n" for p in paras]]
    lines += ["## References", "", _refs_with_ids(refs), ""]
    return "\n".join(lines)


def _refs_with_ids(papers: list[Paper]) -> str:
    """'[n] Title. arXiv:<id>' lines: the identifiers make every entry resolve."""
    base = reference_list(papers).splitlines()
    return "\n".join(line + (f". arXiv:{p.arxiv_id}" if p.arxiv_id else "") for line, p in zip(base, papers))


def _spread(paras: list[str], heads: list[str]) -> list[tuple[str, list[str]]]:
    """The paragraphs dealt round-robin-free, in order, into len(heads) consecutive sections."""
    n = max(1, len(heads))
    size = -(-len(paras) // n) if paras else 0
    return [(h, paras[i * size:(i + 1) * size]) for i, h in enumerate(heads)]


def write_bibliography_dump(task: Task) -> str:
    refs = bibliography(task)
    prose = (f"This review surveys {task.topic.rstrip('.')}. The field has grown quickly, and the works below "
             "represent the main directions, methods, benchmarks and open problems that researchers study today.")
    dump = f"Relevant work includes [1-{len(refs)}]." if refs else ""
    return _document(task, [("Introduction", [prose + " " + dump])], refs)


def write_abstract_paste(task: Task) -> str:
    refs = [p for p in bibliography(task) if p.abstract]
    paras, words, goal = [], 0, target_words(task)
    for n, p in enumerate(refs, 1):
        if words >= goal:
            refs = refs[:n - 1]
            break
        text = " ".join(p.abstract.split())
        paras.append(f"{text} [{n}]")
        words += len(text.split())
    return _document(task, _spread(paras, outline(task)), refs)


def write_title_paste(task: Task) -> str:
    refs = bibliography(task)
    paras = [f"Work on {' '.join(p.title.split()).rstrip('.')} is discussed here [{n}]." for n, p in
             enumerate(refs, 1)]
    return _document(task, _spread(paras, outline(task)), refs)


def write_filler_padding(task: Task) -> str:
    refs = bibliography(task)
    heads = outline(task)
    sections = [(h, [f"{first_sentence(refs[i])} [{i + 1}]."] if i < len(refs) else []) for i, h in
                enumerate(heads)]
    words = sum(len(s.split()) for _, ps in sections for s in ps)
    dump = f"Many further studies address this topic [1-{len(refs)}]." if refs else ""
    n = max(1, (target_words(task) - words) // len(FILLER.split()))
    sections.append(("Discussion", [dump, " ".join([FILLER] * n)]))
    return _document(task, sections, refs)


def write_repeated_paragraph(task: Task) -> str:
    refs = bibliography(task)[:5]
    para = " ".join(f"{first_sentence(p)} [{n}]." for n, p in enumerate(refs, 1))
    para = f"Research on {task.topic.rstrip('.')} has produced a wide range of methods. {para}"
    times = max(1, target_words(task) // len(para.split()))
    return _document(task, [("Overview", [para] * times)], refs)


def write_headings_only(task: Task) -> str:
    lines = [f"# {title_of(task.topic)}", ""]
    for h in task.reference_survey.outline or outline(task):
        if h.strip():
            lines += ["#" * min(6, 2 + h.count(">")) + " " + h.split(">")[-1].strip(), ""]
    return "\n".join(lines)


WRITERS: dict[str, Callable[[Task], str]] = {
    "bibliography_dump": write_bibliography_dump,
    "abstract_paste": write_abstract_paste,
    "title_paste": write_title_paste,
    "filler_padding": write_filler_padding,
    "repeated_paragraph": write_repeated_paragraph,
    "headings_only": write_headings_only,
}


class ControlGenerator:
    """A negative control: writes its kind's degenerate markdown from the task (no provider, seed unused)."""

    kind = ""

    def __init__(self, spec: GeneratorSpec):
        self.spec = spec

    async def generate(self, task: Task, seed: int, client: LLMClient | None = None) -> Generation:
        """The control's text, parsed like any markdown review."""
        from harness.readers import parse_text

        start = time.perf_counter()
        review = parse_text(WRITERS[self.kind](task), format="markdown")
        wall = time.perf_counter() - start
        review = review.model_copy(update={"topic": task.topic, "usage": Usage(
            input_tokens=0, output_tokens=0, cost_usd=0.0, cost_source="offline", latency_s=wall)})
        return Generation(task_id=task.id, generator=self.spec.name, seed=seed, review=review,
                          flags=reply_flags(review), latency_s=wall)


def _declare(kind: str) -> type[ControlGenerator]:
    cls = type(f"Control_{kind}", (ControlGenerator,), {"kind": kind, "__doc__": f"{kind}: a negative control "
                                                                                 "(see the module docstring)."})
    cls.__module__ = __name__
    cls.__qualname__ = cls.__name__
    return generator_kind(kind, calls_provider=False)(cls)


CONTROLS: dict[str, type[ControlGenerator]] = {k: _declare(k) for k in WRITERS}

__all__ = ["CONTROLS", "ControlGenerator", "FILLER", "WRITERS", "bibliography", "outline", "target_words"]
