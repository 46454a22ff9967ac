"""Prompt templates (versioned, hashed files), pool formatting as "[n] Title" lines, and prompt hashing."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import jinja2

from harness.core.errors import HarnessError
from harness.llm.types import LLMRequest
from harness.models import Paper

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
_HEADER = re.compile(r"\{#\s*name:\s*(?P<name>[\w\-]+)\s*;\s*version:\s*(?P<version>[\w.\-]+)")


@dataclass(frozen=True)
class Template:
    """One prompt template file: its name, declared version, source and sha256 of its bytes."""

    name: str
    version: str
    source: str
    hash: str
    path: Path

    @property
    def label(self) -> str:
        """What CallRecord.template holds: name@version."""
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class Rendered:
    """A rendered prompt and the template it came from."""

    text: str
    template: Template


_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # prompts are plain text sent to a model, never HTML
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


@lru_cache(maxsize=None)
def load_template(name: str, prompts_dir: str | None = None) -> Template:
    """Read prompts/<name>.j2, check its header comment names it, and hash its bytes."""
    path = Path(prompts_dir or PROMPTS_DIR) / f"{name}.j2"
    if not path.is_file():
        known = ", ".join(list_templates(prompts_dir))
        raise HarnessError(f"no prompt template {name!r}", path=path, hint=f"known: {known}")
    data = path.read_bytes()
    source = data.decode("utf-8")
    m = _HEADER.search(source.split("\n", 1)[0])
    if not m or m.group("name") != name:
        raise HarnessError("template header must be '{# name: <file stem>; version: <v> ... #}'", path=path, line=1)
    return Template(name=name, version=m.group("version"), source=source,
                    hash=hashlib.sha256(data).hexdigest(), path=path)


def list_templates(prompts_dir: str | None = None) -> list[str]:
    """Names of the shipped templates."""
    return sorted(p.stem for p in Path(prompts_dir or PROMPTS_DIR).glob("*.j2"))


@lru_cache(maxsize=64)
def _compiled(name: str, file_hash: str, source: str) -> jinja2.Template:
    """The compiled Jinja template of one file version (keyed by name + sha256: compiling costs ~10 ms)."""
    return _ENV.from_string(source)


def render(name: str, prompts_dir: str | None = None, **context: Any) -> Rendered:
    """Render a template with StrictUndefined (a missing variable is a bug, not an empty string)."""
    tpl = load_template(name, prompts_dir)
    text = _compiled(tpl.name, tpl.hash, tpl.source).render(**context).lstrip("\n")
    return Rendered(text=text, template=tpl)


def truncate(text: str, max_chars: int) -> str:
    """Cut text at a word boundary below max_chars and mark the cut with an ellipsis."""
    text = " ".join(text.split())
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    cut = text[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def format_pool(papers: Sequence[Paper], *, abstracts: bool = True, abstract_chars: int = 300,
                numbers: Sequence[int] | None = None) -> str:
    """Papers as "[n] Title" lines, each followed by an indented, truncated abstract where one is known."""
    nums = list(numbers) if numbers is not None else list(range(1, len(papers) + 1))
    lines: list[str] = []
    for n, paper in zip(nums, papers):
        title = " ".join(paper.title.split())
        lines.append(f"[{n}] {title}")
        if abstracts and paper.abstract and abstract_chars > 0:
            lines.append("    " + truncate(paper.abstract, abstract_chars))
    return "\n".join(lines)


def reference_list(papers: Sequence[Paper], numbers: Sequence[int] | None = None) -> str:
    """The "[n] Title" reference list appended to completion-mode reviews (the papers shown)."""
    return format_pool(papers, abstracts=False, numbers=numbers)


def prompt_text(request: LLMRequest) -> str:
    """The exact prompt of a request as one string: the completion prompt, or the chat messages as JSON."""
    if request.mode == "completion":
        return request.prompt or ""
    return json.dumps(request.messages or [], ensure_ascii=False, indent=1)


def prompt_hash(request: LLMRequest, text: str | None = None) -> str:
    """sha256 of what the model is sent: mode, model, prompt text and the parameters that change the output.

    text: prompt_text(request) when the caller has it already (it is JSON-encoded once per call, not twice).
    """
    key = {
        "mode": request.mode,
        "model": request.model,
        "prompt": prompt_text(request) if text is None else text,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "seed": request.seed,
        "stop": request.stop,
        "extra": request.extra,
    }
    blob = json.dumps(key, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
