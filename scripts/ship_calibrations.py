"""Write the shipped suite's support calibrations into harness/data/calibrations (the package's pre-filled cache).

Each file is exactly the entry harness.scorers.calibration_cache would write for the task on a first run (same key:
task content, embedding model id, calibrating code), so a cold default run reads it instead of embedding ~300
abstract texts per task. Rerun after changing support_similarity.py or calibration.py, or the shipped tasks
(tests/scorers/test_shipped_calibrations.py fails until then); stale files are removed.

    .venv/bin/python scripts/ship_calibrations.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        os.environ["HARNESS_CACHE_DIR"] = d
        os.environ["HARNESS_DISK_CACHE"] = "1"
        from harness.embeddings.encoder import Embedder
        from harness.scorers.calibration_cache import SHIPPED, cache_dir, calibration_key, disk_cached
        from harness.scorers.support_similarity import calibrate_support, support_corpus
        from harness.tasks.suite import load_suite

        embedder = Embedder(disk_cache=False)
        SHIPPED.mkdir(parents=True, exist_ok=True)
        keep = set()
        for task in load_suite().values():
            corpus = support_corpus(task)
            key = calibration_key(calibrate_support, corpus, embedder)
            disk_cached(calibrate_support)(corpus, embedder)
            if (cache_dir() / f"{key}.json").exists():  # too few abstracts: nothing to ship
                shutil.copyfile(cache_dir() / f"{key}.json", SHIPPED / f"{key}.json")
                keep.add(f"{key}.json")
                print(f"{task.id}: {key[:16]}")
        for stale in SHIPPED.glob("*.json"):
            if stale.name not in keep:
                stale.unlink()
                print(f"removed stale {stale.name[:16]}")


if __name__ == "__main__":
    main()
