"""The shipped reference data beside the repo (`../shared/data`): where it is and its off-topic distractor pools."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import HarnessError
from harness.models import Paper, normalize_arxiv_id, paper_id_for

# Real arXiv papers far from every shipped topic (see ../shared/data/README.md, pools/): negatives for new tasks
# and for the generic on-topic calibration.
OFF_TOPIC_POOLS = ("distractors-physics.json", "distractors-cs.json")


def data_dir() -> Path:
    """$HARNESS_DATA_DIR, else ../shared/data beside the repo."""
    env = os.environ.get("HARNESS_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data"


@dataclass(frozen=True)
class Pool:
    """One shipped pool file: its papers, path and sha256 (for a task's provenance)."""

    name: str
    path: Path
    sha256: str
    papers: tuple[Paper, ...]

    def source(self) -> dict[str, str]:
        return {"path": f"data/pools/{self.path.name}", "sha256": self.sha256, "role": "off_topic_pool"}


def _year(aid: str | None, year) -> int | None:
    if year is not None:
        return int(year)
    if aid and len(aid) >= 4 and aid[:4].isdigit():
        return 2000 + int(aid[:2])
    return None


def load_pool(path: Path) -> Pool:
    """A pool file ({"papers": [{title, arxiv_id, year?, abstract?, url?}]}) as Papers, first occurrence per id."""
    try:
        blob = path.read_bytes()
        data = json.loads(blob)
    except (OSError, ValueError) as exc:
        raise HarnessError(f"cannot read distractor pool: {exc}", path=path) from None
    papers: dict[str, Paper] = {}
    for rec in data.get("papers", []):
        aid = normalize_arxiv_id(rec.get("arxiv_id"))
        p = Paper(id=paper_id_for(aid, rec["title"]), title=rec["title"], arxiv_id=aid,
                  year=_year(aid, rec.get("year")), abstract=rec.get("abstract"), url=rec.get("url"))
        papers.setdefault(p.id, p)
    return Pool(name=path.stem, path=path, sha256=hashlib.sha256(blob).hexdigest(), papers=tuple(papers.values()))


def off_topic_pools(root: Path | None = None) -> list[Pool]:
    """The shipped off-topic pools; HarnessError when the data dir lacks them."""
    base = (root or data_dir()) / "pools"
    missing = [n for n in OFF_TOPIC_POOLS if not (base / n).is_file()]
    if missing:
        raise HarnessError(f"shipped distractor pools not found: {', '.join(missing)}", path=base,
                           hint="set HARNESS_DATA_DIR to the shared data dir")
    return [load_pool(base / n) for n in OFF_TOPIC_POOLS]
