"""The shipped human-labelled support sets (shared/data/labels) as HumanLabel records, by set and split.

Each record is one (claim, cited source) pair with a person's yes/no: SciFact (test only: supported vs
contradicted), Check-COVID (train/dev/test: SUPPORT vs REFUTE; NOTENOUGHINFO is `no` with its own subgroup),
ExpertQA (val/test: Complete vs Incomplete support of a claim by its cited web passages; Partial, N/A and
claims without evidence are left out) and WiCE (dev/test: supported vs not_supported; partially_supported
left out). Fitting may use only train/dev/val splits (FIT_SPLITS); test splits are for measurement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from harness.core.errors import HarnessError
from harness.judges.schema import HumanLabel
from harness.tasks.shipped import data_dir

SETS = ("scifact", "check-covid", "expertqa", "wice")
FIT_SPLITS = {"scifact": (), "check-covid": ("train", "dev"), "expertqa": ("val",), "wice": ("dev",)}
TEST_SPLITS = {"scifact": ("test",), "check-covid": ("test",), "expertqa": ("test",), "wice": ("test",)}
_URL_HEAD = re.compile(r"^\s*\[\d+\]\s*\S+\s*\n+")


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    if not path.is_file():
        raise HarnessError("label file not found", path=path, hint="labels live in shared/data/labels")
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield n, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise HarnessError(f"not JSON: {exc.msg}", path=path, line=n) from None


def _scifact(root: Path, split: str) -> Iterator[HumanLabel]:
    for n, r in _jsonl(root / "scifact" / f"scifact_{split}.jsonl"):
        ctx = r["gold_ctx"][0]
        yes = str(r["answer"]).strip().lower() == "true"  # the file holds "true" / "false" strings
        yield HumanLabel(id=f"scifact-{split}-{n}", sentence=r["input"], title=ctx.get("title"),
                         abstract=ctx["text"], label="yes" if yes else "no", subgroup="SUPPORT" if yes else "CONTRADICT")


def _check_covid(root: Path, split: str) -> Iterator[HumanLabel]:
    base = root / "check-covid"
    corpus = {r["cord_id"]: r for _, r in _jsonl(base / "corpus.json")}
    for kind in ("composed", "extracted"):
        for n, r in _jsonl(base / split / f"covidCheck_{split}_{kind}.json"):
            paper = corpus.get(r["cord_id"])
            if paper is None:
                raise HarnessError(f"cord_id {r['cord_id']!r} not in corpus.json", path=base / split, line=n)
            yield HumanLabel(id=f"check-covid-{r['id']}", sentence=r["claim"].strip(), title=paper.get("title"),
                             abstract=" ".join(paper["abstract"]), label="yes" if r["label"] == "SUPPORT" else "no",
                             subgroup=r["label"])


def _expertqa(root: Path, split: str) -> Iterator[HumanLabel]:
    keep = {"Complete": "yes", "Incomplete": "no"}
    for pool in ("rand", "domain"):
        for n, r in _jsonl(root / "expertqa" / f"{pool}_{split}.jsonl"):
            for system, ans in sorted(r["answers"].items()):
                for j, c in enumerate(ans.get("claims") or []):
                    label = keep.get(c.get("support") or "")
                    ev = " ".join(_URL_HEAD.sub("", e).strip() for e in c.get("evidence") or [])
                    if label and ev.strip() and (c.get("claim_string") or "").strip():
                        yield HumanLabel(id=f"expertqa-{pool}-{split}-{n}-{system}-{j}", sentence=c["claim_string"],
                                         evidence=ev, label=label, subgroup=c["support"])


def _wice(root: Path, split: str) -> Iterator[HumanLabel]:
    keep = {"supported": "yes", "not_supported": "no"}
    for n, r in _jsonl(root / "wice" / f"claim_{split}.jsonl"):
        label = keep.get(r["label"])
        if not label:
            continue
        sents = list(r["evidence"])
        title = None
        if sents and sents[0].startswith("(meta data) TITLE:"):
            title = sents.pop(0).split(":", 1)[1].strip()
        yield HumanLabel(id=f"wice-{split}-{n}", sentence=r["claim"], title=title, evidence=" ".join(sents),
                         label=label, subgroup=r["label"])


_LOADERS = {"scifact": _scifact, "check-covid": _check_covid, "expertqa": _expertqa, "wice": _wice}


def labels_dir() -> Path:
    """The shipped label sets: shared/data/labels ($HARNESS_DATA_DIR/labels)."""
    return data_dir() / "labels"


def load_set(root: Path, name: str, split: str) -> list[HumanLabel]:
    """The yes/no records of one shipped set's split; HarnessError naming the set for an unknown one."""
    if name not in _LOADERS:
        raise HarnessError(f"unknown label set {name!r}", hint="use one of: " + ", ".join(SETS))
    return list(_LOADERS[name](Path(root), split))


def source_text(label: HumanLabel) -> tuple[str | None, str]:
    """(title, text) of the cited source a record pairs with its sentence: the abstract, else the web passage."""
    return label.title, label.abstract or label.evidence or ""
