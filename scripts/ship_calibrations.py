"""Write the shipped suite's calibrations into harness/data/calibrations (the package's pre-filled cache).

Per task: support (calibrate_support over the task's abstracts), and relevance's default method and its milder
variant (calibrate_contrast and calibrate_neighbours over the task, its suite and the off-topic pools of
../shared/data). For the suite: the two methods' cross-lingual shifts in the glossed-Chinese and multilingual spaces
(each computed over the whole suite: the first review citing a Chinese title would otherwise calibrate every task in
that space). Each file is exactly the entry harness.scorers.calibration_cache would write for the task on a first
run (same key: subject content, embedding model id, calibrating code), so a cold default run reads it instead of
embedding ~300 abstract texts per task and computing each task's relevance cut. Relevance is computed as a fresh
machine computes it (the shipped vectors read, no disk cache). Rerun after changing support_similarity.py,
relevance_neighbours.py, relevance_gloss.py, the glossary or calibration.py, the shipped tasks or the pools
(tests/scorers/test_shipped_calibrations.py fails until then); stale files are removed.

    .venv/bin/python scripts/ship_calibrations.py
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _ship(fn, subject, embedder, label: str) -> str | None:
    """Compute fn(subject, embedder) into the empty cache and copy its entry to SHIPPED; the shipped file's name,
    or None when there is nothing to ship (e.g. too few abstracts)."""
    from harness.scorers.calibration_cache import SHIPPED, cache_dir, calibration_key, disk_cached

    key = calibration_key(fn, subject, embedder)
    disk_cached(fn)(subject, embedder)  # a current shipped entry (same key) is read, not recomputed
    if (cache_dir() / f"{key}.json").exists():
        shutil.copyfile(cache_dir() / f"{key}.json", SHIPPED / f"{key}.json")
        print(f"{label}: {key[:16]}")
    return f"{key}.json" if (SHIPPED / f"{key}.json").exists() else None


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        os.environ["HARNESS_CACHE_DIR"] = d
        os.environ["HARNESS_DISK_CACHE"] = "1"
        from harness.embeddings.encoder import Embedder
        from harness.scorers.calibration_cache import SHIPPED
        from harness.scorers.context import ScoringSuite
        from harness.embeddings.multilingual import get_multilingual_embedder
        from harness.scorers.relevance_gloss import GlossEmbedder
        from harness.scorers.relevance_neighbours import (SHIFT_ON, SuiteTask, calibrate_contrast, calibrate_neighbours,
                                                          shift_calibration)
        from harness.scorers.support_similarity import calibrate_support, support_corpus
        from harness.tasks.suite import load_suite

        SHIPPED.mkdir(parents=True, exist_ok=True)
        support_embedder, embedder, suite = Embedder(disk_cache=False), Embedder(), ScoringSuite.from_env()
        keep = set()
        for task in load_suite().values():
            keep |= {_ship(calibrate_support, support_corpus(task), support_embedder, f"{task.id} support"),
                     _ship(calibrate_contrast, SuiteTask(task, suite), embedder, f"{task.id} relevance"),
                     _ship(calibrate_neighbours, SuiteTask(task, suite), embedder, f"{task.id} relevance (neighbours)")}
        spaces = {"zh-gloss": GlossEmbedder(embedder), "use-multilingual": get_multilingual_embedder()}
        for (name, emb), calibrate in itertools.product(spaces.items(), (calibrate_contrast, calibrate_neighbours)):
            fn, subject = shift_calibration(suite, calibrate, SHIFT_ON.get(name))
            keep.add(_ship(fn, subject, emb, f"cross-lingual shift, {name}, {calibrate.__name__}"))
        keep.discard(None)  # a task with too few abstracts ships no support calibration
        for stale in SHIPPED.glob("*.json"):
            if stale.name not in keep:
                stale.unlink()
                print(f"removed stale {stale.name[:16]}")


if __name__ == "__main__":
    main()
