#!/usr/bin/env python
"""Build the default task suite (tasks/*.json) deterministically from the shipped data in ../shared/data.

Usage: python scripts/build_tasks.py [--shared ../shared] [--out tasks] [--pool-size 60]
         [--mix-spatiotemporal reference=0.4,topical=0.25,near-topic=0.15,off-topic=0.2]
         [--mix-default reference=0.5,near-topic=0.25,off-topic=0.25]
Same inputs and options -> byte-identical files. See tasks/README.md for the recipe and its reasons.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import tempfile
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
    paper_id_for,
)

BUILDER_VERSION = "1"
ROLES = ("reference", "topical", "near-topic", "off-topic")
DEFAULT_POOL_SIZE = 60
MIX_SPATIOTEMPORAL = {"reference": 0.40, "topical": 0.25, "near-topic": 0.15, "off-topic": 0.20}
MIX_DEFAULT = {"reference": 0.50, "topical": 0.0, "near-topic": 0.25, "off-topic": 0.25}

HEADLINE = "stfm-since-2024"
SPATIOTEMPORAL = ("stfm-since-2024", "lm-timeseries-spatiotemporal")
# Tasks whose bibliographies overlap by design: never near-topic distractors for each other.
RELATED = {"stfm-since-2024": {"lm-timeseries-spatiotemporal"},
           "lm-timeseries-spatiotemporal": {"stfm-since-2024"}}

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
NEAR_TOPIC_RULE = ("papers of other tasks' reference bibliographies (excluding related tasks "
                   "stfm-since-2024 <-> lm-timeseries-spatiotemporal) that are neither in this task's "
                   "bibliography nor in its pooled_reference_ids")
SEED_RULE = "int(sha256(task_id).hexdigest()[:12], 16)"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def task_seed(task_id: str) -> int:
    """Fixed per-task seed (48 bits, fits int64 columns)."""
    return int(hashlib.sha256(task_id.encode()).hexdigest()[:12], 16)


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
        self._sha: dict[Path, str] = {}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.shared).as_posix()

    def source(self, path: Path, role: str) -> dict[str, str]:
        if path not in self._sha:
            self._sha[path] = sha256_file(path)
        return {"path": self.rel(path), "sha256": self._sha[path], "role": role}

    def all_files(self) -> list[Path]:
        files = list(self.task_files) + [self.sb / "topics.txt", self.topical_path, self.offtopic_path]
        for topic in self.topics:
            files.append(self.sb / "human_written_ref" / f"{SURVEYBENCH_SURVEY[topic]}.json")
            files.append(self.sb / "ref_bench" / f"{topic}_bench.json")
        return files


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
    return dict(sorted(tasks.items()))


def build_pool(t: dict[str, Any], tasks: dict[str, dict[str, Any]], topical: list[Paper], offtopic: list[Paper],
               size: int, mix: dict[str, float]) -> tuple[list[PoolItem], dict[str, Paper], dict[str, Any]]:
    """Sample the pool for one task (seeded by its id); returns items in shuffled order, new papers, recipe."""
    rng = random.Random(task_seed(t["id"]))
    counts = role_counts(size, mix)
    own = {p.id for p in t["refs"]}
    banned = own | set(t["pooled"])
    near_from = [tid for tid in tasks if tid != t["id"] and tid not in RELATED.get(t["id"], set())]
    near = dedupe([p for tid in near_from for p in tasks[tid]["refs"]])
    candidates = {
        "reference": list(t["refs"]),
        "topical": [p for p in topical if p.id not in own],
        "near-topic": [p for p in near if p.id not in banned],
        "off-topic": [p for p in offtopic if p.id not in banned],
    }
    chosen: list[tuple[Paper, str]] = []
    taken: set[str] = set()
    for role in ROLES:
        avail = [p for p in candidates[role] if p.id not in taken]
        if counts[role] > len(avail):
            raise SystemExit(f"error: task {t['id']}: pool needs {counts[role]} {role} papers, only {len(avail)} "
                             "available; lower --pool-size or change the mix")
        picked = rng.sample(avail, counts[role])
        taken.update(p.id for p in picked)
        chosen.extend((p, role) for p in picked)
    rng.shuffle(chosen)
    recipe = {"size": size, "mix": {r: mix[r] for r in ROLES}, "counts": counts,
              "candidates": {r: len(candidates[r]) for r in ROLES},
              "near_topic_from": near_from, "near_topic_rule": NEAR_TOPIC_RULE,
              "seed": task_seed(t["id"]), "seed_rule": SEED_RULE,
              "sampling": "random.Random(seed).sample per role in role order, then one shuffle of the pool"}
    return [PoolItem(paper_id=p.id, role=r) for p, r in chosen], {p.id: p for p, _ in chosen}, recipe


def build_task(t: dict[str, Any], tasks: dict[str, dict[str, Any]], inp: Inputs, topical: list[Paper],
               offtopic: list[Paper], pool_sources: dict[str, str], size: int,
               mixes: dict[str, dict[str, float]], inputs_sha: str) -> Task:
    """Assemble, validate and hash one Task."""
    spatio = t["id"] in SPATIOTEMPORAL
    mix = mixes["spatiotemporal" if spatio else "default"]
    pool, pool_papers, recipe = build_pool(t, tasks, topical, offtopic, size, mix)
    papers = dedupe(list(t["refs"]) + [pool_papers[i.paper_id] for i in pool] + list(t.get("pooled_papers", [])))
    sources = list(t["sources"])
    if mix["topical"] > 0:
        sources.append(inp.source(inp.topical_path, "topical_pool"))
    if mix["off-topic"] > 0:
        sources.append(inp.source(inp.offtopic_path, "off_topic_pool"))
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
    task.content_hash = task.compute_hash()
    return task


def build_suite(shared: Path, pool_size: int = DEFAULT_POOL_SIZE,
                mixes: dict[str, dict[str, float]] | None = None) -> list[Task]:
    """All tasks, in id order."""
    mixes = mixes or {"spatiotemporal": MIX_SPATIOTEMPORAL, "default": MIX_DEFAULT}
    inp = Inputs(shared)
    combined = hashlib.sha256()
    for f in inp.all_files():
        combined.update(inp.rel(f).encode() + b"\0" + sha256_file(f).encode() + b"\n")
    tasks = base_tasks(inp)
    topical_raw = read_json(inp.topical_path)["papers"]
    offtopic_raw = read_json(inp.offtopic_path)["papers"]
    topical = dedupe([paper_from_record(r) for r in topical_raw])
    offtopic = dedupe([paper_from_record(r) for r in offtopic_raw])
    pool_sources = {paper_from_record(r).id: r.get("abstract_source") for r in topical_raw + offtopic_raw}
    return [build_task(t, tasks, inp, topical, offtopic, pool_sources, pool_size, mixes, combined.hexdigest())
            for t in tasks.values()]


def task_bytes(task: Task) -> bytes:
    """The exact file content of a task: indent=1 JSON, field order of the model, trailing newline."""
    return (json.dumps(task.model_dump(mode="json"), indent=1, ensure_ascii=False, sort_keys=False) + "\n").encode()


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temp file and rename, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_suite(tasks: list[Task], out: Path) -> list[Path]:
    """Write tasks/<id>.json for each task; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for task in tasks:
        path = out / f"{task.id}.json"
        write_atomic(path, task_bytes(task))
        written.append(path)
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
    args = ap.parse_args(argv)
    if args.pool_size < 1:
        raise SystemExit("error: --pool-size must be positive")
    mixes = {"spatiotemporal": parse_mix(args.mix_spatiotemporal) if args.mix_spatiotemporal else MIX_SPATIOTEMPORAL,
             "default": parse_mix(args.mix_default) if args.mix_default else MIX_DEFAULT}
    tasks = build_suite(args.shared, args.pool_size, mixes)
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
