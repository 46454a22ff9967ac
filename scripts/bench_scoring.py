"""Benchmark scoring (prints figures, no asserts): the seed, the default run's 48 cells, peak RSS of each.

Part `seed`: all offline scorer families on the seed review: cold (model load + calibration), model warm with
the text cache emptied, fully warm; then the same from a new embedder whose vectors and calibrations come from
the disk caches (what a second process sees).

Part `cells`: the default experiment's cells (12 tasks x its 10 generators, one seed). Its two local-Gemma
generators are stood in for by the same strategies against a local OpenAI-compatible server (no model to run);
the offline baselines and controls are the real ones. Each pass scores the 48 cells of the default's first four
generators (issue 31's goal), then the 72 controls', in one process state shared by all cells as `harness run`
does, with a new encoder whose model loads on the first text it finds nowhere:
  cold       a first run on a fresh machine: an empty cache dir; the package's shipped vectors and calibrations,
  rescore    the same cells again in a new process state: everything from the disk caches the cold pass filled,
  unshipped  cold with the package's shipped vectors and calibrations turned off (what a first run cost before).

Each part runs in its own process and prints its peak RSS; `cells` stands in for the harness process of a default
run (generation + scoring; the llama.cpp server is a separate process). The load average is printed beside.

    .venv/bin/python scripts/bench_scoring.py [--part seed|cells|all] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seeds" / "000_dda1134d5bb5babb.txt"
SERVER = REPO / "tests" / "fakes" / "provider.py"  # the tests' fake provider: prints its api_base


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"


def peak_rss() -> str:
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"


def forget_in_memory() -> None:
    """Drop every in-process cache of embeddings and calibrations (the disk caches stay)."""
    from harness.embeddings import encoder as embeddings
    from harness.scorers import calibration_cache, relevance, relevance_neighbours, support_similarity

    relevance._CACHE.clear()
    relevance_neighbours._MODELS.clear()  # topic models kept per task in-process
    support_similarity._CACHE.clear()  # the similarity method's calibrations (moved out of support.py)
    calibration_cache.clear_memory()
    embeddings._embedder = None


def embedder_sharing(model, disk) -> object:
    """A new embedder (empty text cache) over an already loaded model, with the given disk store or none."""
    from harness.embeddings.encoder import Embedder

    e = Embedder(disk_cache=disk or False)
    e._model = model
    return e


# ----- part: seed ---------------------------------------------------------------------------------------------


def part_seed(repeat: int, task_id: str) -> None:
    from harness.embeddings.store import FILE, EmbeddingStore
    from harness.embeddings.encoder import DIM, get_embedder
    from harness.readers import read_review
    from harness.papers.resolve import resolve_for_task
    from harness.scorers import FAMILIES, OFFLINE_FAMILIES, ScoringContext, score_review
    from harness.scorers.context import ScoringSuite
    from harness.tasks.suite import get_task

    print(f"[seed] start: {load()}")
    os.environ["HARNESS_DISK_CACHE"] = "0"
    t0 = time.perf_counter()
    task, review = get_task(task_id), read_review(SEED)
    emb = get_embedder()
    score_review(review, task, ScoringContext(suite=ScoringSuite.from_env()), OFFLINE_FAMILIES)
    print(f"[seed] cold (model load + calibration + scoring): {time.perf_counter() - t0:.2f} s")
    totals, infer, per_family = [], [], {f: [] for f in OFFLINE_FAMILIES}
    for _ in range(repeat):
        forget_in_memory()
        fresh = embedder_sharing(emb.model, None)
        ctx = ScoringContext(embedder=lambda: fresh, suite=ScoringSuite.from_env())
        start = time.perf_counter()
        resolved = resolve_for_task(review, task, ScoringSuite.from_env().known())
        for fam in OFFLINE_FAMILIES:
            t = time.perf_counter()
            FAMILIES[fam](resolved, task, ctx)
            per_family[fam].append(time.perf_counter() - t)
        totals.append(time.perf_counter() - start)
        infer.append(fresh.inference_seconds)
    total, model = statistics.median(totals), statistics.median(infer)
    print(f"[seed] model warm, text cache and calibrations emptied (median of {repeat}): {total:.3f} s = model "
          f"inference {model:.3f} s ({fresh.encoded_texts} texts) + rest {total - model:.3f} s")
    for fam, ts in per_family.items():
        print(f"[seed]   {fam:10s} {statistics.median(ts):.3f} s")
    warm = []
    for _ in range(repeat):
        start = time.perf_counter()
        score_review(review, task, ctx, OFFLINE_FAMILIES)
        warm.append(time.perf_counter() - start)
    print(f"[seed] fully warm (in memory): {statistics.median(warm):.3f} s")
    with tempfile.TemporaryDirectory() as d:
        os.environ["HARNESS_DISK_CACHE"] = "1"
        os.environ["HARNESS_CACHE_DIR"] = d
        store = EmbeddingStore(Path(d) / FILE, DIM)
        forget_in_memory()
        filler = embedder_sharing(emb.model, store)
        score_review(review, task, ScoringContext(embedder=lambda: filler, suite=ScoringSuite.from_env()),
                     OFFLINE_FAMILIES)
        forget_in_memory()
        reader = embedder_sharing(None, store)  # no model at all: it loads only on a miss
        start = time.perf_counter()
        score_review(review, task, ScoringContext(embedder=lambda: reader, suite=ScoringSuite.from_env()),
                     OFFLINE_FAMILIES)
        print(f"[seed] new process, disk caches warm: {time.perf_counter() - start:.3f} s, "
              f"model loads {reader.model_loads}, texts from disk {reader.disk_hits}")
        store.close()
    print(f"[seed] end: {load()}; peak RSS of scoring the seed: {peak_rss()}")


# ----- part: cells --------------------------------------------------------------------------------------------


def default_stand_in(api_base: str, tmp: Path):
    """The default experiment with its local-model generators pointed at the test server (generation only)."""
    from harness.config import load_config

    cfg = load_config(None).model_dump(mode="json", by_alias=True)
    for g in cfg["generators"]:
        if g["kind"] == "llm":
            g.update(model="openai/bench", api_base=api_base)
    cfg["scorers"] = {"families": ["cost"]}  # generation, and cost from recorded usage (the scorers are timed apart)
    cfg["execution"].update(concurrency={"global": 8}, output_dir=str(tmp / "results"), cache_dir=str(tmp / "cache"))
    from harness.config import ExperimentConfig

    return ExperimentConfig.from_dict(cfg)


def score_all(gens, suite, ctx_for) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) to score the cells (CPU is the steadier figure on a busy machine)."""
    from harness.runner.scoring import score_generation
    from harness.scorers import OFFLINE_FAMILIES

    start, cpu = time.perf_counter(), time.process_time()
    for cell, gen in gens.items():
        score_generation(gen, suite[gen.task_id], OFFLINE_FAMILIES, ctx_for(cell))
    return time.perf_counter() - start, time.process_time() - cpu


def sample(gens: dict, k: int) -> dict:
    """k cells spread over tasks and generators (every cell when k >= len(gens))."""
    if k >= len(gens):
        return gens
    cells = sorted(gens)  # task|generator|seed: a plain stride would pick one generator only
    step = len(cells) // k
    return {c: gens[c] for c in (cells[(i * step + i) % len(cells)] for i in range(k))}


def score_pass(gens: dict, suite, store, label: str) -> tuple[float, float, int]:
    """Score the original generators' cells, then the controls', in one shared state as `harness run` does, with a
    new embedder (its model loads on the first text found nowhere) over the given disk store; prints both figures."""
    from harness.scorers import ScoringContext
    from harness.scorers.context import ScoringSuite

    forget_in_memory()
    emb = embedder_sharing(None, store)
    ctx = ScoringContext(embedder=lambda: emb, suite=ScoringSuite.from_env())
    original = {c: g for c, g in gens.items() if not g.generator.startswith("control-")}
    wall, cpu = score_all(original, suite, lambda _c: ctx)
    wall2, cpu2 = score_all({c: g for c, g in gens.items() if c not in original}, suite, lambda _c: ctx)
    print(f"[cells] {label}: the {len(original)} cells of the default's 4 generators {wall:.2f} s (CPU {cpu:.1f} s), "
          f"all {len(gens)} cells {wall + wall2:.2f} s (CPU {cpu + cpu2:.1f} s); texts embedded {emb.encoded_texts}, "
          f"from the package {emb.shipped_hits}, from disk {emb.disk_hits}, model loads {emb.model_loads}")
    return wall, wall + wall2, len(original)


def without_shipped_data(tmp: Path) -> None:
    """Turn off the package's shipped vectors and calibrations (what a first run cost before they shipped)."""
    from harness.embeddings import encoder
    from harness.scorers import calibration_cache

    encoder.shipped_vectors = lambda *_a, **_k: None
    calibration_cache.SHIPPED = tmp / "no-shipped-calibrations"


def part_cells(n_tasks: int) -> None:
    from harness.embeddings.store import FILE, EmbeddingStore
    from harness.embeddings.encoder import DIM
    from harness.runner import run_experiment
    from harness.runner.store import read_generations
    from harness.tasks.suite import load_suite

    print(f"[cells] start: {load()}")
    suite = load_suite()
    if n_tasks:
        suite = dict(list(suite.items())[:n_tasks])
    srv = subprocess.Popen([sys.executable, str(SERVER), "--max-requests", "100000", "--lifetime", "7200"],
                           stdout=subprocess.PIPE, text=True)
    try:
        api_base = srv.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            os.environ["HARNESS_CACHE_DIR"] = str(tmp / "generation")
            os.environ["HARNESS_DISK_CACHE"] = "0"  # generating fills no disk cache the scoring passes could read
            t0 = time.perf_counter()
            cfg = default_stand_in(api_base, tmp)
            if n_tasks:
                cfg = cfg.model_copy(update={"tasks": list(suite)})
            gens = read_generations(run_experiment(cfg, tasks=suite, progress=False).run_dir)
            print(f"[cells] generated {len(gens)} cells in {time.perf_counter() - t0:.1f} s (model load included)")
            os.environ["HARNESS_DISK_CACHE"] = "1"
            passes = {}
            for label, name in (("cold, a first run on a fresh machine (empty cache dir)", "cold"),
                                ("rescore, every vector and calibration from that run's disk caches", "cold"),
                                ("cold without the package's shipped vectors and calibrations", "unshipped")):
                if name == "unshipped":
                    without_shipped_data(tmp)
                os.environ["HARNESS_CACHE_DIR"] = str(tmp / name)
                store = EmbeddingStore(tmp / name / FILE, DIM)
                passes[label] = score_pass(gens, suite, store, label)
                store.close()
    finally:
        srv.terminate()
        srv.wait(timeout=10)
    (cold48, cold, n48), (_, rescore, _), (un48, un, _) = passes.values()
    print(f"[cells] cold: {cold48:.2f} s for the {n48} cells of the default's first 4 generators (issue 31's goal: "
          f"the 48 of 12 tasks in <= 60 s), {cold:.2f} s for all; "
          f"without the shipped data {un48:.2f} s / {un:.2f} s ({un / cold:.1f}x); a rescore {rescore:.2f} s")
    print(f"[cells] end: {load()}; peak RSS (stand-in for a default run's harness process): {peak_rss()}")


def run_on_cases(task, ctx, sizes: tuple[int, ...] = (50_000, 600_000)) -> None:
    """Run-on text (a looping small model): one line of `[1]` markers and no full stop, 450 KB and 5.4 MB.

    Goals (issue 14): the 450 KB case under 5 s, the 5.4 MB case under 60 s, for the citations family."""
    from harness.readers import parse_text
    from harness.papers.resolve import resolve_for_task
    from harness.scorers import FAMILIES
    from harness.scorers.context import ScoringSuite

    title = next(p.title for p in task.papers if p.abstract)
    for markers in sizes:
        label = f"{markers * 9 / 1e6:.2g} MB" if markers * 9 >= 1e6 else f"{markers * 9 / 1e3:.3g} KB"
        line = "loop [1] " * markers  # 9 characters a marker
        t0 = time.perf_counter()
        review = parse_text(f"# Loop\n\n{line}\n\n## References\n\n[1] {title}\n", format="markdown")
        t_read = time.perf_counter() - t0
        t1 = time.perf_counter()
        resolved = resolve_for_task(review, task, ScoringSuite.from_env().known())
        t_res = time.perf_counter() - t1
        t2 = time.perf_counter()
        scores = FAMILIES["citations"](resolved, task, ctx)
        t_cit = time.perf_counter() - t2
        rate = next(s for s in scores if s.name == "citations.support_rate")
        print(f"run-on {label} ({len(line) / 1e6:.2f} MB, {len(review.citations)} markers): read {t_read:.2f} s, "
              f"resolve {t_res:.2f} s, citations family {t_cit:.2f} s (support: {rate.status}, "
              f"capped sentences {rate.details.get('sentences_capped')})")


# ----- part: run-on ------------------------------------------------------------------------------------------


def part_run_on(task_id: str, sizes: tuple[int, ...] = (50_000, 600_000)) -> None:
    """Run-on text: the citations family on one looping line (issue 14's 450 KB and 5.4 MB cases)."""
    from harness.scorers import ScoringContext
    from harness.scorers.context import ScoringSuite
    from harness.tasks.suite import get_task

    print(f"[run-on] start: {load()}")
    run_on_cases(get_task(task_id), ScoringContext(suite=ScoringSuite.from_env()), sizes)
    print(f"[run-on] end: {load()}; peak RSS: {peak_rss()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["seed", "cells", "run-on", "all"], default="all")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--task", default="stfm-since-2024")
    ap.add_argument("--tasks", type=int, default=0, help="first N tasks only (0: the default's 12)")
    ap.add_argument("--run-on-markers", default="50000,600000", help="run-on lines of this many [1] markers")
    ap.add_argument("--smoke", action="store_true", help="tiny N (CI): every part once, 1 task, "
                    "run-on lines of 500 and 5,000 markers")
    args = ap.parse_args()
    if args.smoke:
        args.repeat, args.tasks, args.run_on_markers = 1, 1, "500,5000"
    sizes = tuple(int(n) for n in args.run_on_markers.split(","))
    if args.part == "seed":
        part_seed(args.repeat, args.task)
    elif args.part == "cells":
        part_cells(args.tasks)
    elif args.part == "run-on":
        part_run_on(args.task, sizes)
    else:  # each part in its own process, so each peak RSS is its own
        for part in ("seed", "cells", "run-on"):
            subprocess.run([sys.executable, __file__, "--part", part, "--repeat", str(args.repeat),
                            "--task", args.task, "--tasks", str(args.tasks),
                            "--run-on-markers", args.run_on_markers],
                           check=True)


if __name__ == "__main__":
    main()
