#!/usr/bin/env python
"""Build the default task suite (tasks/*.json) deterministically from the shipped data in ../shared/data.

Usage: python scripts/build_tasks.py [--shared ../shared] [--out tasks] [--pool-size 60] [--calibration PATH|none]
         [--mix-spatiotemporal reference=0.4,topical=0.25,near-topic=0.15,off-topic=0.2]
         [--mix-default reference=0.5,near-topic=0.25,off-topic=0.25]
Same inputs and options -> byte-identical files. See tasks/README.md for the recipe and its reasons.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # allow `python scripts/build_tasks.py` without an install
    sys.path.insert(0, str(REPO))

from harness.models import (  # noqa: E402
    Paper,
    PoolItem,
    RefRange,
    ReferenceSurvey,
    Task,
    WordRange,
    normalize_arxiv_id,
    normalize_title,
    paper_id_for,
)
from harness.papers.records import json_records  # noqa: E402
from harness.tasks.recipe import SEED_RULE, task_seed, write_task_bytes  # noqa: E402

BUILDER_VERSION = "1"
ROLES = ("reference", "topical", "near-topic", "off-topic")
DEFAULT_POOL_SIZE = 60
MIX_SPATIOTEMPORAL = {"reference": 0.40, "topical": 0.25, "near-topic": 0.15, "off-topic": 0.20}
MIX_DEFAULT = {"reference": 0.50, "topical": 0.0, "near-topic": 0.25, "off-topic": 0.25}

HEADLINE = "stfm-since-2024"
SPATIOTEMPORAL = ("stfm-since-2024", "lm-timeseries-spatiotemporal")

# SurveyBench topic (topics.txt, verbatim) -> its human-written survey (human_written_ref/<title>.json).
SURVEYBENCH_SURVEY = {
    "3D Gaussian Splatting": "A Survey on 3D Gaussian Splatting",
    "3D Object Detection in Autonomous Driving": "3D Object Detection for Autonomous Driving: A Comprehensive Survey",
    "Evaluation of Large Language Models": "A Survey on Evaluation of Large Language Models",
    "LLM-based Multi-Agent": "A survey on large language model based autonomous agents",
    "Generative Diffusion Models": "A survey on generative diffusion models",
    "Graph Neural Networks": "Graph neural networks: Taxonomy, advances, and trends",
    "Hallucination in Large Language Models":
        "Siren's Song in the AI Ocean: A Survey on Hallucination in Large Language Models",
    "Multimodal Large Language Models": "A Survey on Multimodal Large Language Models",
    "Retrieval-Augmented Generation for Large Language Models":
        "Retrieval-augmented generation for large language models: A survey",
    "Vision Transformers": "A survey of visual transformers",
}
# The four SurveyBench topics without a task file: task id and the one-sentence request generators receive.
SURVEYBENCH_ONLY = {
    "3D Gaussian Splatting": (
        "3d-gaussian-splatting",
        "Write a literature review of 3D Gaussian Splatting: how scenes are represented and rendered with 3D "
        "Gaussians, the main method families that extend it, their applications, and open challenges."),
    "3D Object Detection in Autonomous Driving": (
        "3d-object-detection-driving",
        "Write a literature review of 3D object detection for autonomous driving: camera-based, LiDAR-based and "
        "multi-modal fusion approaches, how they compare, and open challenges."),
    "Graph Neural Networks": (
        "graph-neural-networks",
        "Write a literature review of graph neural networks: a taxonomy of the model families, recent advances, "
        "trends, and open challenges."),
    "Vision Transformers": (
        "vision-transformers",
        "Write a literature review of visual transformers: transformer architectures for computer vision tasks "
        "such as classification, detection and segmentation, how they compare, and open challenges."),
}

# human-surveys/<topic>.json topics that become new tasks: task id and the request generators receive.
# Scientific LLMs (57% of its bibliography titled, below the 60% rule) is included: its 173 titled papers are
# more than five other new tasks have, 111 of them name a science domain, and the untitled ids spread over
# the same years as the titled ones, so the titled part is not a skewed slice (see tasks/README.md).
HUMAN_SURVEY_ONLY = {
    "Agentic Reinforcement Learning": (
        "agentic-rl-survey",
        "Write a literature review of agentic reinforcement learning for large language models: how LLM agents "
        "are trained with reinforcement learning for planning, tool use, memory and multi-turn interaction, the "
        "environments and frameworks used, and open challenges."),
    "Alignment of Large Language Models": (
        "llm-alignment-survey",
        "Write a literature review of aligning large language models with human expectations: alignment data "
        "collection, training methods such as RLHF and preference optimisation, how alignment is evaluated, "
        "and open challenges."),
    "Efficient Inference for Large Language Models": (
        "llm-efficient-inference-survey",
        "Write a literature review of efficient inference for large language models: data-level, model-level "
        "(quantisation, pruning, distillation, efficient architectures) and system-level (decoding, serving, "
        "KV cache) optimisations, how they compare, and open challenges."),
    "Explainability for Large Language Models": (
        "llm-explainability-survey",
        "Write a literature review of explainability for large language models: local and global explanation "
        "methods for fine-tuned and prompted models, how explanations are evaluated and used, and open "
        "challenges."),
    "Large Language Models for Recommendation": (
        "llm-recommendation-survey",
        "Write a literature review of large language models for recommendation: discriminative and generative "
        "modelling paradigms, how LLMs are adapted to recommender systems, and open challenges."),
    "Large Language Models for Time Series": (
        "llm-time-series-survey",
        "Write a literature review of large language models for time series: how LLMs are prompted, aligned "
        "or fine-tuned for forecasting, classification and anomaly detection, the datasets used, and open "
        "challenges."),
    "Reinforcement Learning for Large Language Models": (
        "rl-reasoning-models-survey",
        "Write a literature review of reinforcement learning for large reasoning models: reward design, policy "
        "optimisation and sampling strategies, training resources, applications, and open challenges."),
    "Safety in Large Language Models": (
        "llm-safety-survey",
        "Write a literature review of large language model and LLM-agent safety across the full stack: data "
        "safety, pre-training and post-training safety (alignment, harmful fine-tuning, unlearning), "
        "deployment-time attacks and defences, and open challenges."),
    "Scientific Large Language Models": (
        "scientific-llm-survey",
        "Write a literature review of scientific large language models: the scientific data they are built on, "
        "domain models for chemistry, biology, materials, earth and physical sciences, scientific agents, and "
        "open challenges."),
    "Vision-Language-Action Models": (
        "vla-models-survey",
        "Write a literature review of vision-language-action models for robotics: architectures, training "
        "strategies and datasets, applications in manipulation and navigation, and open challenges."),
}
# A CS distractor that matches its topic is kept out of a new task's negatives: dropped when its title matches the
# task's first pattern and its title+abstract every further one (case-insensitive). The twelve original tasks need no rule: the pool
# was already filtered against their topics (data README).
_LLM = r"\bLLMs?\b|language models?|\bGPT|transformer"
CS_ON_TOPIC_RULES: dict[str, list[str]] = {
    "agentic-rl-survey": [r"reinforcement learning|\bRL\b|policy optimi[sz]ation|\bGRPO\b|\bPPO\b|reward", _LLM],
    "llm-alignment-survey": [r"align|\bRLHF\b|human feedback|preference (optimi[sz]ation|learning|data)|\bDPO\b|"
                             r"reward model|instruction[- ]tun", _LLM],
    "llm-efficient-inference-survey": [r"quantiz|quantis|pruning|prune|sparsi|KV[- ]cache|speculative decoding|"
                                       r"distill|efficient inference|inference (acceleration|efficiency|cost)|"
                                       r"low[- ]bit|compression|serving|throughput|latency|early[- ]exit", _LLM],
    "llm-explainability-survey": [r"interpretab|explainab|explanation|attribution|mechanistic|probing|saliency|"
                                  r"circuit|neuron", _LLM],
    "llm-recommendation-survey": [r"recommend|collaborative filtering|click-through|\bCTR\b|user (modeling|"
                                  r"preference|behavior)"],
    "llm-time-series-survey": [r"time[- ]series|forecast"],
    "rl-reasoning-models-survey": [r"reinforcement learning|\bRL\b|\bRLVR\b|\bGRPO\b|\bPPO\b|reward|policy "
                                   r"optimi[sz]ation|reasoning model|chain[- ]of[- ]thought|test-time scaling", _LLM],
    "llm-safety-survey": [r"safe|harm|jailbreak|guardrail|attack|adversarial|backdoor|poison|privacy|toxic|"
                          r"red[- ]team|unlearn|watermark|misuse|malicious", _LLM],
    "scientific-llm-survey": [r"scien|chemi|molecul|protein|biolog|material|drug|genom|geoscien|physics|"
                              r"astronom|climate|medic|clinical", _LLM],
    "vla-models-survey": [r"robot|manipulat|embodied|vision-language-action|\bVLA\b|navigation|grasp"],
}
# Outline of a human-surveys/ file: its headings of level >= 2 in document order, text unedited, indented two
# spaces per level below 2, up to (not including) the first References or Appendix heading; the "Abstract"
# heading and level-1 headings (the survey's title, "ACM Reference Format:") are dropped.
OUTLINE_STOP = re.compile(r"^(references|appendix)\b", re.I)
OUTLINE_SKIP = re.compile(r"^abstract$", re.I)
# An existing task's reference survey is a human-surveys/ survey when the SurveyBench topic and the normalised
# survey title agree and, where the file lists arXiv ids, >= 70% of them are in the task's bibliography.
SAME_SURVEY_MIN_SHARE = 0.70
# Two tasks are related (never near-topic distractors for each other) when they share >= 25% of the smaller
# bibliography (stfm-since-2024 <-> lm-timeseries-spatiotemporal: 28%), or both are time-series tasks.
RELATED_MIN_SHARE = 0.25
TIME_SERIES_FAMILY = {"stfm-since-2024", "lm-timeseries-spatiotemporal", "llm-time-series-survey"}
OFF_TOPIC_CS_SHARE = 0.5  # new tasks: this share of the off-topic papers (rounded up) from distractors-cs.json

WORDS_HEADLINE = (4500, 5500)
WORDS_OTHER = (4000, 6000)
REFS_MIN = 20
WORDS_RULE_HEADLINE = ("4,500-5,500 words: the length the seed's own plan promised for this topic "
                       "(5,000 +/- 10%).")
WORDS_RULE_OTHER = ("4,000-6,000 words: same 5,000-word midpoint as the headline task so length scores compare "
                    "across the suite; a wider band (+/- 20%) because no plan promised a length for this topic.")
REFS_RULE = ("min = min(20, reference papers in the pool): a third of the default 60-paper pool and always "
             "reachable from the pool's reference papers alone; max = pool size (a generator cannot cite more "
             "pool papers than it is offered).")
NEAR_TOPIC_RULE = ("papers of other tasks' reference bibliographies (excluding related tasks: >= 25% of the "
                   "smaller bibliography shared, or both time-series tasks; the twelve original tasks draw only "
                   "from each other so their pools stay as built before the new tasks) that are neither in this "
                   "task's bibliography nor in its pooled_reference_ids")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def year_from_arxiv(arxiv_id: str | None) -> int | None:
    """First-version year of a new-style arXiv id (YYMM.NNNNN -> 20YY); None otherwise."""
    aid = normalize_arxiv_id(arxiv_id)
    if aid and re.match(r"^\d{4}\.\d{4,5}$", aid):
        return 2000 + int(aid[:2])
    return None


def parse_mix(text: str) -> dict[str, float]:
    """'reference=0.5,near-topic=0.25,off-topic=0.25' -> a dict over all four roles summing to 1."""
    mix = {r: 0.0 for r in ROLES}
    for part in filter(None, (p.strip() for p in text.split(","))):
        role, _, value = part.partition("=")
        if role.strip() not in mix:
            raise SystemExit(f"error: unknown pool role {role!r} in mix {text!r} (roles: {', '.join(ROLES)})")
        mix[role.strip()] = float(value)
    if abs(sum(mix.values()) - 1.0) > 1e-9 or min(mix.values()) < 0:
        raise SystemExit(f"error: pool mix {text!r} must be non-negative and sum to 1")
    return mix


def role_counts(size: int, mix: dict[str, float]) -> dict[str, int]:
    """Split size over roles by largest remainder (ties in role order), so counts sum to size exactly."""
    raw = {r: size * mix[r] for r in ROLES}
    counts = {r: int(raw[r]) for r in ROLES}
    left = size - sum(counts.values())
    for r in sorted(ROLES, key=lambda r: (-(raw[r] - counts[r]), ROLES.index(r)))[:left]:
        counts[r] += 1
    return counts


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class Inputs:
    """The shipped data files, read once, with their paths relative to the shared dir."""

    def __init__(self, shared: Path):
        self.shared = shared
        self.data = shared / "data"
        if not (self.data / "tasks").is_dir():
            raise SystemExit(f"error: {self.data / 'tasks'} not found (pass --shared DIR)")
        self.task_files = sorted((self.data / "tasks").glob("*.json"))
        self.sb = self.data / "surveybench"
        self.topics = [t.strip() for t in (self.sb / "topics.txt").read_text(encoding="utf-8").splitlines()
                       if t.strip()]
        self.topical_path = self.data / "pools" / "stfm-pool-2025.json"
        self.offtopic_path = self.data / "pools" / "distractors-physics.json"
        self.offtopic_cs_path = self.data / "pools" / "distractors-cs.json"
        self.abstracts_path = self.data / "abstracts" / "reference-abstracts.jsonl"
        self.hs = self.data / "human-surveys"
        self.hs_papers_path = self.hs / "papers.jsonl"
        self._sha: dict[Path, str] = {}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.shared).as_posix()

    def source(self, path: Path, role: str) -> dict[str, str]:
        if path not in self._sha:
            self._sha[path] = sha256_file(path)
        return {"path": self.rel(path), "sha256": self._sha[path], "role": role}

    def all_files(self) -> list[Path]:
        files = list(self.task_files) + [self.sb / "topics.txt", self.topical_path, self.offtopic_path,
                                         self.offtopic_cs_path, self.abstracts_path, self.hs_papers_path]
        for topic in self.topics:
            files.append(self.sb / "human_written_ref" / f"{SURVEYBENCH_SURVEY[topic]}.json")
            files.append(self.sb / "ref_bench" / f"{topic}_bench.json")
        return files + self.hs_files()

    def hs_files(self) -> list[Path]:
        """The per-topic human-surveys/ files (not papers/outlines/coverage), sorted."""
        return sorted(p for p in self.hs.glob("*.json")
                      if p.name not in ("papers-coverage.json", "outlines.json"))


def paper_from_record(rec: dict[str, Any]) -> Paper:
    """A Paper from a task-file / pool record: facts as given, year from data else from the arXiv id."""
    aid = normalize_arxiv_id(rec.get("arxiv_id"))
    return Paper(id=paper_id_for(aid, rec["title"]), title=rec["title"], arxiv_id=aid,
                 year=rec.get("year") if rec.get("year") is not None else year_from_arxiv(aid),
                 authors=list(rec.get("authors") or []), abstract=rec.get("abstract"), url=rec.get("url"))


def paper_from_surveybench(key: str, rec: dict[str, Any]) -> Paper:
    """A Paper from a SurveyBench {arxiv id: {arxivId, title}} entry."""
    aid = normalize_arxiv_id(rec.get("arxivId") or key)
    return Paper(id=paper_id_for(aid, rec["title"]), title=rec["title"], arxiv_id=aid, year=year_from_arxiv(aid),
                 url=f"https://arxiv.org/abs/{aid}" if aid else None)


def dedupe(papers: list[Paper]) -> list[Paper]:
    """Drop later papers with an id already seen (first occurrence wins)."""
    seen: set[str] = set()
    out = []
    for p in papers:
        if p.id not in seen:
            seen.add(p.id)
            out.append(p)
    return out


def title_grade(grade: str | None) -> str | None:
    """Short title grade from papers.jsonl's `title_grade` text: arxiv, curated list, llm-bible or venue."""
    if not grade:
        return None
    for short in ("arxiv", "curated list", "llm-bible", "venue"):
        if grade.startswith(short):
            return short
    raise SystemExit(f"error: unknown title_grade {grade!r} in human-surveys/papers.jsonl")


# Every paper provenance has these keys (None where unknown), so a `datasets` export keeps one schema.
PAPER_PROVENANCE_KEYS = ("title_grade", "title_source", "title_verbatim", "title_note", "title_file",
                         "abstract_grade", "abstract_source", "abstract_caveat", "abstract_file",
                         "abstract_venue_site", "abstract_source_title")


def paper_provenance(**values: Any) -> dict[str, Any]:
    """A paper provenance dict with every PAPER_PROVENANCE_KEYS key."""
    unknown = set(values) - set(PAPER_PROVENANCE_KEYS)
    if unknown:
        raise ValueError(f"unknown paper provenance keys {sorted(unknown)}")
    return {k: values.get(k) for k in PAPER_PROVENANCE_KEYS}


def with_abstract(paper: Paper, abstracts: dict[str, dict[str, Any]], rel: str) -> Paper:
    """The paper with its shipped reference abstract (by arXiv id) and that abstract's grade and source."""
    row = abstracts.get(paper.arxiv_id or "")
    if paper.abstract is not None or row is None:
        return paper
    differs = row.get("source_title") and row["source_title"] != paper.title
    prov = paper_provenance(**{k: v for k, v in (paper.provenance or {}).items() if v is not None},
                            abstract_grade=row["kind"], abstract_source=row["source"],
                            abstract_caveat=row.get("caveat"), abstract_file=rel,
                            abstract_venue_site=row.get("venue_site"),
                            abstract_source_title=row["source_title"] if differs else None)
    return paper.model_copy(update={"abstract": row["abstract"], "provenance": prov})


def pool_paper(rec: dict[str, Any], rel: str) -> Paper:
    """A pool record as a Paper whose provenance names where its arXiv abstract came from."""
    p = paper_from_record(rec)
    if not p.abstract:
        return p
    return p.model_copy(update={"provenance": paper_provenance(abstract_grade="arxiv", abstract_file=rel,
                                                               abstract_source=rec.get("abstract_source"))})


def paper_from_hs_row(row: dict[str, Any], rel: str) -> Paper:
    """A Paper from a human-surveys/papers.jsonl row (titled rows only), title and abstract graded."""
    aid = normalize_arxiv_id(row["arxiv_id"])
    grade = title_grade(row.get("title_grade"))
    note = ("re-cased by the llm-bible site (may drop punctuation): arXiv's words, NOT its verbatim title; "
            "matched case-insensitively") if grade == "llm-bible" else None
    has = bool(row.get("abstract"))
    prov = paper_provenance(title_grade=grade, title_source=row.get("title_source"), title_verbatim=grade != "llm-bible",
                            title_note=note, title_file=rel, abstract_grade="arxiv" if has else None,
                            abstract_source=row.get("abstract_source") if has else None,
                            abstract_caveat=row.get("abstract_caveat") if has else None,
                            abstract_file=rel if has else None)
    return Paper(id=paper_id_for(aid, row["title"]), title=row["title"], arxiv_id=aid,
                 year=row.get("year") if row.get("year") is not None else year_from_arxiv(aid),
                 abstract=row.get("abstract"), url=f"https://arxiv.org/abs/{aid}" if aid else None, provenance=prov)


def outline_from_headings(headings: list[dict[str, Any]]) -> list[str]:
    """The survey's outline by the OUTLINE_* rule: level >= 2 headings before References/Appendix, indented."""
    out = []
    for h in headings:
        text = h["text"]
        if OUTLINE_STOP.match(text.strip()):
            break
        if h["level"] < 2 or OUTLINE_SKIP.match(text.strip()):
            continue
        out.append("  " * (h["level"] - 2) + text)
    return out


HS_OUTLINE_NOTE = ("The survey's own section headings as extracted from its PDF by weAIDB/SurveyBench "
                   "({source}), unedited; levels >= 2 in document order, indented two spaces per level below 2, "
                   "up to the References/Appendix heading; Abstract and level-1 headings dropped.")


def read_human_surveys(inp: Inputs) -> dict[str, dict[str, Any]]:
    """human-surveys/<topic>.json by topic, each with its outline and file source entry."""
    out = {}
    for path in inp.hs_files():
        raw = read_json(path)
        out[raw["topic"]] = {**raw, "outline": outline_from_headings(raw["headings"]), "path": path}
    return out


def human_survey_task(inp: Inputs, hs: dict[str, Any], tid: str, request: str,
                      rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A new task's facts from one human survey: titled bibliography papers; untitled ids kept aside."""
    ids = list(dict.fromkeys(normalize_arxiv_id(a) for a in hs["reference_arxiv_ids"]))
    ids = [a for a in ids if a]
    titled = [a for a in ids if (rows.get(a) or {}).get("title")]
    rel = inp.rel(inp.hs_papers_path)
    survey = ReferenceSurvey(title=hs["survey_title"], outline=hs["outline"],
                             outline_note=HS_OUTLINE_NOTE.format(source=hs["source"]))
    return {
        "id": tid, "topic": request, "since": None, "reference_survey": survey,
        "alternate_reference_surveys": [], "alternate_extra": [],
        "refs": dedupe([paper_from_hs_row(rows[a], rel) for a in titled]), "pooled": [], "surveybench_topic": None,
        "sources": [inp.source(hs["path"], "human_survey"), inp.source(inp.hs_papers_path, "human_survey_papers")],
        "source_note": (f"weAIDB/SurveyBench human survey '{hs['topic']}' ({hs['source']}): the arXiv ids of its "
                        "bibliography; titles and abstracts from human-surveys/papers.jsonl (graded per paper)."),
        "license_note": ("Titles, arXiv ids and abstracts are bibliographic facts / arXiv metadata (CC0) copied from "
                         "the sources named per paper; the benchmark repository's licence is unclear, so only facts "
                         "are kept. Only the arXiv part of the bibliography is represented."),
        "source_counts": None,
        "paper_sections": [], "human_survey_topic": hs["topic"],
        "unresolvable": [a for a in ids if a not in set(titled)],
    }


def attach_survey_outlines(tasks: dict[str, dict[str, Any]], surveys: dict[str, dict[str, Any]],
                           inp: Inputs) -> None:
    """Existing tasks whose reference survey is a human survey get its outline; the old one is alternate_outline."""
    for t in tasks.values():
        hs = surveys.get(t["surveybench_topic"] or "")
        if hs is None or normalize_title(hs["survey_title"]) != normalize_title(t["reference_survey"].title):
            continue
        ids = {normalize_arxiv_id(a) for a in hs["reference_arxiv_ids"]}
        own = {p.arxiv_id for p in t["refs"]}
        share = len(ids & own) / len(ids) if ids else None
        if share is not None and share < SAME_SURVEY_MIN_SHARE:
            continue
        rs = t["reference_survey"]
        note = HS_OUTLINE_NOTE.format(source=hs["source"])
        if rs.outline:
            note += f" alternate_outline: the earlier outline. {rs.outline_note or ''}".rstrip()
        t["reference_survey"] = rs.model_copy(update={"outline": hs["outline"], "alternate_outline": list(rs.outline),
                                                      "outline_note": note})
        t["sources"].append(inp.source(hs["path"], "human_survey_outline"))
        t["outline_match"] = {"topic": hs["topic"], "survey_arxiv_ids": len(ids),
                              "in_task_bibliography": len(ids & own)}


def related_tasks(tasks: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Pairs of tasks sharing >= RELATED_MIN_SHARE of the smaller bibliography, plus the time-series family."""
    ids = {tid: {p.id for p in t["refs"]} for tid, t in tasks.items()}
    rel: dict[str, set[str]] = {tid: set() for tid in tasks}
    for a in tasks:
        for b in tasks:
            if a == b:
                continue
            shared = len(ids[a] & ids[b]) / max(1, min(len(ids[a]), len(ids[b])))
            if shared >= RELATED_MIN_SHARE or (a in TIME_SERIES_FAMILY and b in TIME_SERIES_FAMILY):
                rel[a].add(b)
    return rel


def cs_on_topic(task_id: str, paper: Paper) -> bool:
    """True when a CS distractor's title matches the task's first pattern and its title+abstract every other."""
    rules = CS_ON_TOPIC_RULES.get(task_id)
    if not rules:
        return False
    text = f"{paper.title} {paper.abstract or ''}"
    return bool(re.search(rules[0], paper.title, re.I)) and all(re.search(r, text, re.I) for r in rules[1:])



def base_tasks(inp: Inputs) -> dict[str, dict[str, Any]]:
    """Every task's facts before pools: from the 8 task files, then the SurveyBench topics (merged or new)."""
    tasks: dict[str, dict[str, Any]] = {}
    for path in inp.task_files:
        raw = read_json(path)
        extras = [{"title": s["title"], "venue": s.get("venue"), "note": s.get("note")}
                  for s in raw.get("alternate_reference_surveys", [])]
        alternates = [ReferenceSurvey(**{k: v for k, v in s.items() if k not in ("venue", "note")})
                      for s in raw.get("alternate_reference_surveys", [])]
        refs = dedupe([paper_from_record(r) for r in raw["reference_papers"]])
        sections = [{"paper_id": paper_from_record(r).id, "sections": list(r["sections"])}
                    for r in raw["reference_papers"] if r.get("sections")]
        tasks[raw["id"]] = {
            "id": raw["id"], "topic": raw["topic"], "since": raw.get("since"),
            "reference_survey": ReferenceSurvey(**raw["reference_survey"]),
            "alternate_reference_surveys": alternates, "alternate_extra": extras,
            "refs": refs, "pooled": [], "surveybench_topic": None,
            "sources": [inp.source(path, "task")],
            "source_note": raw.get("source"), "license_note": raw.get("license_note"),
            "source_counts": raw.get("counts"), "paper_sections": sections,
        }
    by_survey_file = {}
    for tid, t in tasks.items():
        m = re.search(r"human_written_ref/(.+?\.json)", t["source_note"] or "")
        if m:
            by_survey_file[m.group(1)] = tid
    for topic in inp.topics:
        if topic not in SURVEYBENCH_SURVEY:
            raise SystemExit(f"error: SurveyBench topic {topic!r} has no known human survey; update the builder")
        survey_title = SURVEYBENCH_SURVEY[topic]
        hw_path = inp.sb / "human_written_ref" / f"{survey_title}.json"
        bench_path = inp.sb / "ref_bench" / f"{topic}_bench.json"
        hw, bench = read_json(hw_path), read_json(bench_path)
        pooled = list(dict.fromkeys(normalize_arxiv_id(v.get("arxivId") or k) for k, v in bench.items()))
        pooled = [p for p in pooled if p]
        pooled_papers = dedupe([paper_from_surveybench(k, v) for k, v in bench.items()])
        tid = by_survey_file.get(hw_path.name)
        if tid is None:
            if topic not in SURVEYBENCH_ONLY:
                raise SystemExit(f"error: SurveyBench topic {topic!r} matches no task file and has no task id")
            tid, request = SURVEYBENCH_ONLY[topic]
            tasks[tid] = {
                "id": tid, "topic": request, "since": None,
                "reference_survey": ReferenceSurvey(title=survey_title),
                "alternate_reference_surveys": [], "alternate_extra": [],
                "refs": dedupe([paper_from_surveybench(k, v) for k, v in hw.items()]),
                "sources": [], "source_note": (
                    "SurveyBench (Alpha-Innovator/SurveyForge @ 9114a0b): human_written_ref/"
                    f"{hw_path.name} is the reference bibliography; ref_bench/{bench_path.name} the pooled set."),
                "license_note": ("Titles and arXiv ids are bibliographic facts copied from SurveyBench's lists. "
                                 "Only the arXiv part of the survey's bibliography is listed. Years are derived "
                                 "from new-style arXiv ids (first-version year), not venue years; the reference "
                                 "survey's authors/year/arXiv id are not in the data and are left empty."),
                "source_counts": None, "paper_sections": [],
            }
        t = tasks[tid]
        t["pooled"], t["pooled_papers"], t["surveybench_topic"] = pooled, pooled_papers, topic
        if inp.source(hw_path, "human_written_ref") not in t["sources"]:
            t["sources"].append(inp.source(hw_path, "human_written_ref"))
        t["sources"].append(inp.source(bench_path, "ref_bench"))
    for t in tasks.values():
        t["original"] = True
    surveys = read_human_surveys(inp)
    attach_survey_outlines(tasks, surveys, inp)
    rows = {normalize_arxiv_id(r["arxiv_id"]): r for r in json_records(inp.hs_papers_path)}
    for topic, (tid, request) in HUMAN_SURVEY_ONLY.items():
        if topic not in surveys:
            raise SystemExit(f"error: human-surveys/{topic}.json not found; update the builder")
        tasks[tid] = {**human_survey_task(inp, surveys[topic], tid, request, rows), "original": False}
    abstracts = {normalize_arxiv_id(r["arxiv_id"]): r for r in json_records(inp.abstracts_path)}
    rel = inp.rel(inp.abstracts_path)
    for t in tasks.values():
        t["refs"] = [with_abstract(p, abstracts, rel) for p in t["refs"]]
        t["pooled_papers"] = [with_abstract(p, abstracts, rel) for p in t.get("pooled_papers", [])]
        if any(p.provenance and p.provenance.get("abstract_file") == rel for p in t["refs"] + t["pooled_papers"]):
            t["sources"].append(inp.source(inp.abstracts_path, "reference_abstracts"))
    return dict(sorted(tasks.items()))


def near_topic_sources(t: dict[str, Any], tasks: dict[str, dict[str, Any]], related: dict[str, set[str]]) -> list[str]:
    """Tasks whose bibliographies give this task's near-topic papers (NEAR_TOPIC_RULE)."""
    return [tid for tid in tasks if tid != t["id"] and tid not in related[t["id"]]
            and (tasks[tid]["original"] or not t["original"])]


def cs_candidates(t: dict[str, Any], offtopic_cs: list[Paper]) -> tuple[list[Paper], list[str]]:
    """The CS distractors usable as this task's negatives, and the ids dropped as on-topic by its rule."""
    dropped = [p.id for p in offtopic_cs if cs_on_topic(t["id"], p)]
    gone = set(dropped) | {p.id for p in t["refs"]} | set(t["pooled"])
    return [p for p in offtopic_cs if p.id not in gone], dropped


def sample_roles(t: dict[str, Any], rng: random.Random, counts: dict[str, int],
                 candidates: dict[str, list[Paper]]) -> list[tuple[Paper, str]]:
    """Sample each role's papers in role order (off-topic: CS part first for new tasks), never one paper twice."""
    chosen: list[tuple[Paper, str]] = []
    taken: set[str] = set()
    plan = [(r, r, counts[r]) for r in ROLES]
    if not t["original"]:
        n_cs = min(len(candidates["off-topic-cs"]), math.ceil(counts["off-topic"] * OFF_TOPIC_CS_SHARE))
        plan = [x for x in plan if x[0] != "off-topic"] + [("off-topic-cs", "off-topic", n_cs),
                                                             ("off-topic", "off-topic", counts["off-topic"] - n_cs)]
    for source, role, n in plan:
        avail = [p for p in candidates[source] if p.id not in taken]
        if n > len(avail):
            raise SystemExit(f"error: task {t['id']}: pool needs {n} {source} papers, only {len(avail)} "
                             "available; lower --pool-size or change the mix")
        picked = rng.sample(avail, n)
        taken.update(p.id for p in picked)
        chosen.extend((p, role) for p in picked)
    return chosen


def build_pool(t: dict[str, Any], tasks: dict[str, dict[str, Any]], topical: list[Paper], offtopic: list[Paper],
               offtopic_cs: list[Paper], related: dict[str, set[str]], size: int,
               mix: dict[str, float]) -> tuple[list[PoolItem], dict[str, Paper], dict[str, Any]]:
    """Sample the pool for one task (seeded by its id); returns items in shuffled order, new papers, recipe."""
    rng = random.Random(task_seed(t["id"]))
    counts = role_counts(size, mix)
    short = max(0, counts["reference"] - len(t["refs"]))
    if short and not t["original"]:  # a small bibliography: the rest of the reference share goes to near-topic
        counts = {**counts, "reference": len(t["refs"]), "near-topic": counts["near-topic"] + short}
    own = {p.id for p in t["refs"]}
    banned = own | set(t["pooled"])
    near_from = near_topic_sources(t, tasks, related)
    near = dedupe([p for tid in near_from for p in tasks[tid]["refs"]])
    cs, cs_dropped = cs_candidates(t, offtopic_cs)
    candidates = {
        "reference": list(t["refs"]),
        "topical": [p for p in topical if p.id not in own],
        "near-topic": [p for p in near if p.id not in banned],
        "off-topic": [p for p in offtopic if p.id not in banned],
        "off-topic-cs": cs,
    }
    chosen = sample_roles(t, rng, counts, candidates)
    rng.shuffle(chosen)
    recipe = {"size": size, "mix": {r: mix[r] for r in ROLES}, "counts": counts,
              "candidates": {r: len(candidates[r]) for r in ROLES},
              "near_topic_from": near_from, "near_topic_rule": NEAR_TOPIC_RULE,
              "seed": task_seed(t["id"]), "seed_rule": SEED_RULE,
              "sampling": "random.Random(seed).sample per role in role order, then one shuffle of the pool"}
    if not t["original"]:
        recipe["off_topic_cs"] = sum(1 for p, _ in chosen if p.id in {c.id for c in cs})
        recipe["off_topic_rule"] = ("new tasks: half the off-topic papers (rounded up) from distractors-cs.json "
                                    "(after the task's on-topic rule), the rest from distractors-physics.json")
    cs_info = {"candidates": len(cs), "dropped_on_topic": len(cs_dropped), "dropped_ids": cs_dropped,
               "rule": CS_ON_TOPIC_RULES.get(t["id"]),
               "rule_text": ("dropped when the title matches the first pattern and title+abstract every further "
                             "one (case-insensitive); no rule for "
                             "the twelve original tasks: the pool was filtered against their topics already")}
    recipe["cs_distractors"] = cs_info
    return [PoolItem(paper_id=p.id, role=r) for p, r in chosen], {p.id: p for p, _ in chosen}, recipe


def build_task(t: dict[str, Any], tasks: dict[str, dict[str, Any]], inp: Inputs, pools: dict[str, list[Paper]],
               related: dict[str, set[str]], pool_sources: dict[str, str], size: int,
               mixes: dict[str, dict[str, float]], inputs_sha: str,
               calibrations: dict[str, dict[str, Any]]) -> Task:
    """Assemble, validate and hash one Task."""
    spatio = t["id"] in SPATIOTEMPORAL
    mix = mixes["spatiotemporal" if spatio else "default"]
    pool, pool_papers, recipe = build_pool(t, tasks, pools["topical"], pools["off-topic"], pools["off-topic-cs"],
                                           related, size, mix)
    cs_info = recipe.pop("cs_distractors")
    papers = dedupe(list(t["refs"]) + [pool_papers[i.paper_id] for i in pool] + list(t.get("pooled_papers", [])))
    sources = list(t["sources"])
    if mix["topical"] > 0:
        sources.append(inp.source(inp.topical_path, "topical_pool"))
    if mix["off-topic"] > 0:
        sources.append(inp.source(inp.offtopic_path, "off_topic_pool"))
    if recipe.get("off_topic_cs"):
        sources.append(inp.source(inp.offtopic_cs_path, "off_topic_cs_pool"))
    n_ref_in_pool = recipe["counts"]["reference"]
    words = WORDS_HEADLINE if t["id"] == HEADLINE else WORDS_OTHER
    provenance = {
        "builder": "scripts/build_tasks.py",
        "builder_version": BUILDER_VERSION,
        "sources": sources,
        "inputs_sha256": inputs_sha,
        "source_note": t["source_note"],
        "license_note": t["license_note"],
        "source_counts": t["source_counts"],
        "pool_recipe": recipe,
        "targets": {"words": WORDS_RULE_HEADLINE if t["id"] == HEADLINE else WORDS_RULE_OTHER,
                    "references": REFS_RULE},
        "papers_note": ("papers = reference bibliography, then pool-only papers in pool order, then the rest of "
                        "the SurveyBench pooled set (titles only) so citations of them resolve"),
        "alternate_reference_surveys_extra": t["alternate_extra"],
        "paper_sections": t["paper_sections"],
        "pool_paper_sources": [{"paper_id": i.paper_id, "source": pool_sources[i.paper_id]}
                               for i in pool if i.role in ("topical", "off-topic")],
        "related_tasks": sorted(related[t["id"]]),
        "cs_distractors": cs_info,
        "human_survey_topic": t.get("human_survey_topic"),
        "outline_match": t.get("outline_match"),
        "unresolvable_reference_ids": t.get("unresolvable", []),
        "unresolvable_note": ("bibliography arXiv ids with no title in the shipped data: listed here, not papers, "
                              "and not counted as bibliography" if t.get("unresolvable") else None),
        "abstracts": abstract_counts(t["refs"]),
    }
    task = Task(
        id=t["id"], topic=t["topic"], since=t["since"],
        target_words=WordRange(min=words[0], max=words[1]),
        target_references=RefRange(min=min(REFS_MIN, n_ref_in_pool), max=size),
        reference_survey=t["reference_survey"],
        alternate_reference_surveys=t["alternate_reference_surveys"],
        papers=papers, reference_papers=[p.id for p in t["refs"]], pool=pool,
        pooled_reference_ids=t["pooled"], surveybench_topic=t["surveybench_topic"],
        reference_text=None, provenance=provenance,
    )
    attach_calibration(task, calibrations.get(task.id))
    task.content_hash = task.compute_hash()
    return task


CALIBRATION_KEYS = ("threshold", "auroc_cs", "auroc_near", "auroc_physics", "tpr", "fpr_cs", "fpr_near",
                    "fpr_physics", "n_test", "n_calibration")


def attach_calibration(task: Task, entry: dict[str, Any] | None) -> None:
    """Store the task's chosen relevance calibration (tasks/calibration/study.json) when it measured this very task."""
    if entry is None or entry["task_hash"] != task.compute_hash():
        if entry is not None:
            print(f"note: {task.id}: tasks/calibration/study.json measured another version of this task; not attached "
                  "(re-run scripts/calibrate_tasks.py, then this builder)", file=sys.stderr)
        return
    figures = entry["configs"][entry["chosen"]]
    task.provenance["relevance_calibration"] = {
        "method": entry["chosen"], **entry["config"], "query_text": entry["query_text"], "task_hash": entry["task_hash"],
        "embedding_model": entry["embedding_model"], **{k: figures[k] for k in CALIBRATION_KEYS},
        "held_out": "threshold fitted on the calibration half; figures on the test half (pool papers in the test "
                    "half); see tasks/README.md",
        "source": "tasks/calibration/study.json (scripts/calibrate_tasks.py)"}


def read_calibrations(path: Path | None) -> dict[str, dict[str, Any]]:
    """Per-task entries of a calibration study (tasks/calibration/study.json), each with the chosen config; {} if none."""
    if path is None or not path.is_file():
        return {}
    study = read_json(path)
    return {tid: {**t, "chosen": study["chosen"], "config": {k: v for k, v in study["configs"][study["chosen"]].items()
                                                             if k in ("text", "query", "rule")},
                  "embedding_model": study["embedding_model"]} for tid, t in study["tasks"].items()}


def build_suite(shared: Path, pool_size: int = DEFAULT_POOL_SIZE,
                mixes: dict[str, dict[str, float]] | None = None, calibration: Path | None = None) -> list[Task]:
    """All tasks, in id order (with their stored relevance calibration when `calibration` measured them)."""
    mixes = mixes or {"spatiotemporal": MIX_SPATIOTEMPORAL, "default": MIX_DEFAULT}
    inp = Inputs(shared)
    combined = hashlib.sha256()
    for f in inp.all_files():
        combined.update(inp.rel(f).encode() + b"\0" + sha256_file(f).encode() + b"\n")
    tasks = base_tasks(inp)
    raw = {"topical": (inp.topical_path, read_json(inp.topical_path)["papers"]),
           "off-topic": (inp.offtopic_path, read_json(inp.offtopic_path)["papers"]),
           "off-topic-cs": (inp.offtopic_cs_path, read_json(inp.offtopic_cs_path)["papers"])}
    pools = {k: dedupe([pool_paper(r, inp.rel(path)) for r in recs]) for k, (path, recs) in raw.items()}
    pool_sources = {paper_from_record(r).id: r.get("abstract_source") for _, recs in raw.values() for r in recs}
    related = related_tasks(tasks)
    calibrations = read_calibrations(calibration)
    return [build_task(t, tasks, inp, pools, related, pool_sources, pool_size, mixes, combined.hexdigest(),
                       calibrations) for t in tasks.values()]


def abstract_counts(refs: list[Paper]) -> dict[str, Any]:
    """How many bibliography papers carry an abstract, by grade."""
    grades = [(p.provenance or {}).get("abstract_grade") for p in refs if p.abstract]
    return {"reference_papers": len(refs), "with_abstract": len(grades),
            "by_grade": {g: grades.count(g) for g in ("arxiv", "venue")}}


def write_suite(tasks: list[Task], out: Path) -> list[Path]:
    """Write tasks/<id>.json for each task; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for task in tasks:
        path = out / f"{task.id}.json"
        written.append(write_task_bytes(path, task))
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared dir (holds data/)")
    ap.add_argument("--out", type=Path, default=REPO / "tasks", help="output dir for <task id>.json files")
    ap.add_argument("--pool-size", type=int, default=DEFAULT_POOL_SIZE, help="papers per candidate pool")
    ap.add_argument("--mix-spatiotemporal", default=None,
                    help="pool mix of the spatio-temporal tasks, e.g. "
                         "reference=0.4,topical=0.25,near-topic=0.15,off-topic=0.2")
    ap.add_argument("--mix-default", default=None,
                    help="pool mix of the other tasks, e.g. reference=0.5,near-topic=0.25,off-topic=0.25")
    ap.add_argument("--calibration", type=Path, default=REPO / "tasks" / "calibration" / "study.json",
                    help="relevance calibration study to store per task (scripts/calibrate_tasks.py); "
                         "'none' to build without")
    args = ap.parse_args(argv)
    if args.pool_size < 1:
        raise SystemExit("error: --pool-size must be positive")
    mixes = {"spatiotemporal": parse_mix(args.mix_spatiotemporal) if args.mix_spatiotemporal else MIX_SPATIOTEMPORAL,
             "default": parse_mix(args.mix_default) if args.mix_default else MIX_DEFAULT}
    calibration = None if str(args.calibration) == "none" else args.calibration
    tasks = build_suite(args.shared, args.pool_size, mixes, calibration)
    paths = write_suite(tasks, args.out)
    total = sum(p.stat().st_size for p in paths)
    for task, path in zip(tasks, paths):
        roles = {r: sum(1 for i in task.pool if i.role == r) for r in ROLES}
        print(f"{path}  refs={len(task.reference_papers)} papers={len(task.papers)} pool={roles} "
              f"pooled={len(task.pooled_reference_ids)} hash={task.content_hash[:12]}")
    print(f"{len(paths)} tasks, {total / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
