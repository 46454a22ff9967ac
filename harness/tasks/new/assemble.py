"""Assemble a validated Task from a bibliography, a topic and pools, and write it atomically."""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.core.text import headings
from harness.models import Paper, PoolItem, RefRange, ReferenceSurvey, Task, WordRange, normalize_title
from harness.papers.records import Entries
from harness.tasks.recipe import SEED_RULE, task_seed, write_task_bytes
from harness.tasks.shipped import Pool
from harness.tasks.validate import TASK_SUFFIXES, load_task_file

DEFAULT_POOL_SIZE = 60
DEFAULT_TARGET_WORDS = (4000, 6000)  # the shipped suite's default band (5,000-word midpoint)
MIN_PAPERS = 10
# Pool mix, as the shipped suite's: half reference papers, a quarter topical (--pool), a quarter off-topic.
MIX = {"reference": 0.5, "topical": 0.25, "off-topic": 0.25}


@dataclass
class NewTaskSpec:
    """What `harness tasks new` was asked for."""

    task_id: str
    topic: str
    target_words: tuple[int, int] = DEFAULT_TARGET_WORDS
    reference_survey: ReferenceSurvey | None = None
    outline: list[str] = field(default_factory=list)
    since: int | None = None
    pool_size: int = DEFAULT_POOL_SIZE
    min_papers: int = MIN_PAPERS
    builder: str = "harness tasks new"


def parse_word_range(text: str) -> tuple[int, int]:
    """'4000-6000' -> (4000, 6000); HarnessError otherwise."""
    m = re.fullmatch(r"\s*(\d[\d,_]*)\s*[-–:]\s*(\d[\d,_]*)\s*", text or "")
    if not m:
        raise HarnessError(f"not a word range: {text!r}", field="--target-words", hint="e.g. 4000-6000")
    lo, hi = (int(re.sub(r"[,_]", "", g)) for g in m.groups())
    if hi < lo:
        raise HarnessError(f"word range {text!r} has max below min", field="--target-words")
    return lo, hi


def read_outline(path: Path) -> list[str]:
    """Markdown headings as 'Parent > Child' paths (the shipped outlines' form); else the non-empty lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HarnessError(f"cannot read outline: {exc}", path=path, field="--outline") from None
    heads = headings(text)
    if not heads:
        return [re.sub(r"^\s*(?:[-*+]|\d+[.)])\s*", "", ln).strip() for ln in text.splitlines() if ln.strip()]
    out, stack = [], []
    for level, title, _ in heads:
        stack = [s for s in stack if s[0] < level] + [(level, title)]
        out.append(" > ".join(t for _, t in stack))
    return out


def _sample(rng: random.Random, papers: list[Paper], n: int) -> list[Paper]:
    return rng.sample(papers, min(n, len(papers)))


def negatives(pools: list[Pool], exclude: list[Paper]) -> list[Paper]:
    """Off-topic candidates from the shipped pools, minus any paper of the bibliography or topical pool."""
    ids = {p.id for p in exclude} | {p.arxiv_id for p in exclude if p.arxiv_id}
    titles = {normalize_title(p.title) for p in exclude}
    out, seen = [], set()
    for pool in pools:
        for p in pool.papers:
            if p.id in ids or p.arxiv_id in ids or normalize_title(p.title) in titles or p.id in seen:
                continue
            seen.add(p.id)
            out.append(p)
    return out


def build_task(spec: NewTaskSpec, bib: Entries, topical: Entries | None, off_pools: list[Pool],
               sources: list[dict[str, Any]]) -> Task:
    """The task: bibliography = bib's papers; pool = a seeded sample of them, topical and off-topic papers."""
    if len(bib.papers) < spec.min_papers:
        dropped = "; ".join(str(p) for p in bib.dropped[:10])
        raise HarnessError(f"only {len(bib.papers)} usable entries (need at least {spec.min_papers}); "
                           f"{len(bib.dropped)} dropped" + (f": {dropped}" if dropped else ""), path=bib.source)
    ref_ids = {p.id for p in bib.papers}
    topical_papers = [p for p in (topical.papers if topical else []) if p.id not in ref_ids]
    neg = negatives(off_pools, bib.papers + topical_papers)
    rng = random.Random(task_seed(spec.task_id))
    want = {r: round(spec.pool_size * share) for r, share in MIX.items()}
    picked = {"reference": _sample(rng, bib.papers, want["reference"]),
              "topical": _sample(rng, topical_papers, want["topical"]),
              "off-topic": _sample(rng, neg, want["off-topic"])}
    pool = [PoolItem(paper_id=p.id, role=role) for role, ps in picked.items() for p in ps]
    rng.shuffle(pool)
    pool_only = {p.id: p for role in ("topical", "off-topic") for p in picked[role]}
    papers = list(bib.papers) + [pool_only[i.paper_id] for i in pool if i.paper_id in pool_only]
    n_ref_pool = len(picked["reference"])
    rs = spec.reference_survey or ReferenceSurvey(title=f"(not named; bibliography from {Path(bib.source).name})")
    if spec.outline:
        rs = rs.model_copy(update={"outline": list(spec.outline), "outline_note": "from --outline"})
    provenance = {
        "builder": spec.builder, "sources": sources,
        "dropped": [p.as_dict() for p in bib.problems if p.action == "entry dropped"],
        "field_problems": [p.as_dict() for p in bib.problems if p.action == "field ignored"],
        "pool_recipe": {"size": len(pool), "mix": MIX, "counts": {r: len(ps) for r, ps in picked.items()},
                        "candidates": {"reference": len(bib.papers), "topical": len(topical_papers),
                                       "off-topic": len(neg)},
                        "seed": task_seed(spec.task_id), "seed_rule": SEED_RULE},
        "targets": {"words": "--target-words" if spec.target_words != DEFAULT_TARGET_WORDS
                    else "default 4,000-6,000 (the suite's 5,000-word midpoint)",
                    "references": "min = min(20, reference papers in the pool); max = pool size"},
    }
    if topical is not None:
        provenance["topical_pool_problems"] = [p.as_dict() for p in topical.problems]
    try:
        task = Task(id=spec.task_id, topic=spec.topic, since=spec.since,
                    target_words=WordRange(min=spec.target_words[0], max=spec.target_words[1]),
                    target_references=RefRange(min=min(20, n_ref_pool), max=len(pool)), reference_survey=rs,
                    papers=papers, reference_papers=[p.id for p in bib.papers], pool=pool, provenance=provenance)
    except Exception as exc:  # pydantic ValidationError: name the first problem
        raise HarnessError(f"the assembled task is invalid: {exc}", field="task") from None
    task.content_hash = task.compute_hash()
    return task


def file_source(path: Path, role: str) -> dict[str, str]:
    """A provenance source record: file name, sha256, role."""
    return {"path": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "role": role}


def write_task(task: Task, out: Path) -> Path:
    """Write atomically (temp file + rename), then load it back through the task loader as a check."""
    suffix = out.suffix.lower()
    if suffix not in TASK_SUFFIXES:
        raise HarnessError(f"--out must end in {', '.join(TASK_SUFFIXES)}", path=out, field="--out")
    write_task_bytes(out, task)
    load_task_file(out)
    return out
