"""Write the MiniLM vectors of the shipped suite's texts into harness/data/embeddings (the package's pre-filled store).

The texts are harness.scorers.suite_texts's (the suite's topics, bibliography titles, outline headings, abstracts
and off-topic pool titles, in the forms the scorers embed them) and harness.generators.pool_select.pool_texts's (the
tasks' papers as generators embed them: title and abstract start). Vectors come from a fresh encoder with no disk
cache, keyed exactly as the disk store. Rerun after changing the shipped tasks or the model package
(tests/embeddings/test_shipped_vectors.py fails until then).

    .venv/bin/python scripts/ship_embeddings.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.embeddings.encoder import Embedder  # noqa: E402
from harness.embeddings.shipped import write_shipped  # noqa: E402
from harness.generators.pool_select import pool_texts  # noqa: E402
from harness.scorers.context import ScoringSuite  # noqa: E402
from harness.scorers.suite_texts import suite_texts  # noqa: E402


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    suite = ScoringSuite.from_env()
    texts = sorted(suite_texts(suite) | pool_texts(list(suite.tasks().values())))
    embedder = Embedder(disk_cache=False)
    keys = {embedder._key(t): t for t in texts}
    t0 = time.perf_counter()
    vecs = embedder.encode(list(keys.values()))
    path = write_shipped(embedder.model_id, dict(zip(keys, vecs)))
    print(f"{len(keys)} texts embedded in {time.perf_counter() - t0:.0f} s -> {path} "
          f"({path.stat().st_size / 1e6:.1f} MB, for {embedder.model_id})")


if __name__ == "__main__":
    main()
