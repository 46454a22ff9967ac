"""Label sets: a user's JSONL of HumanLabel records, or a shipped public set read from the data dir and mapped.

Each shipped set's own labels are mapped to yes | no | unclear, its own label kept as `subgroup`:
- `scifact` (test, 208): answer true -> yes (SUPPORT), false -> no (CONTRADICT). SciFact's experts.
- `check-covid` (train | dev | test, default test): SUPPORT -> yes; REFUTE and NOTENOUGHINFO -> no, each its
  own subgroup; the claim (annotator-written `composed` and journalists' `extracted` claims alike) against its
  paper's title and abstract (corpus.json). Check-COVID's annotators.
- `expertqa` (rand_test | rand_val | domain_test | domain_val, default rand_test): per claim with cited web
  evidence, support Complete -> yes; Partial and Incomplete -> no (subgroups); N/A and missing -> unclear;
  claims without any evidence text (support Missing) are left out (nothing to judge). The passages of a claim
  are joined in order. ExpertQA's domain experts.
- `wice` (dev | test, default test): supported -> yes; partially_supported and not_supported -> no
  (subgroups: a partly backed sentence is not backed, as LLM-AggreFact reads WiCE). The cited web page's
  sentences joined. WiCE's annotators.
- `relevance-real-outputs` (dev, 211): on_topic yes | no | unclear as given; subgroup = the generator that
  cited the reference; task_id names the suite task. One careful annotator.
A set's `calibration` is the split a threshold may be fitted on (never the one measured), where it has one.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from harness.core.errors import HarnessError, plain_message
from harness.judges.schema import HumanLabel
from harness.tasks.shipped import data_dir


@dataclass(frozen=True)
class LabelSet:
    """Labels read from one source: name (a shipped set's, or the file's path), split, records, content hash."""

    name: str
    path: str
    split: str | None
    labels: list[HumanLabel]
    sha256: str
    who: str = "user labels"  # whose judgments, for the report line ("vs SciFact experts")
    calibration_split: str | None = None  # the shipped split a threshold may be fitted on
    slices: tuple[str, ...] = ()  # record fields other than `subgroup` that figures are also given per value of

    @property
    def judges(self) -> set[str]:
        return {lab.judge for lab in self.labels if lab.judge}


@dataclass(frozen=True)
class Shipped:
    """A shipped set: its judge, splits, default split, whose labels, calibration split and reader."""

    name: str
    judge: str
    splits: tuple[str, ...]
    default: str
    who: str
    read: Callable[[Path, str], list[dict]]
    files: Callable[[Path, str], list[Path]] = field(default=lambda root, split: [])
    calibration: dict[str, str] = field(default_factory=dict)  # measured split -> split to calibrate on
    slices: tuple[str, ...] = ()  # extra fields to give figures per value of (e.g. check-covid's claim source)


USER_SLICES = ("method", "annotator")  # fields of a user's label file that figures are also given per value of


def labels_root() -> Path:
    """The shipped label sets' directory: <data dir>/labels."""
    return data_dir() / "labels"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _scifact(root: Path, split: str) -> list[dict]:
    out = []
    for i, r in enumerate(_jsonl(root / "scifact_test.jsonl")):
        ctx = r["gold_ctx"] if isinstance(r["gold_ctx"], list) else ast.literal_eval(r["gold_ctx"])
        yes = str(r["answer"]).lower() == "true"
        out.append({"id": f"scifact-{i}", "sentence": r["input"], "title": ctx[0].get("title"),
                    "abstract": ctx[0]["text"], "label": "yes" if yes else "no",
                    "subgroup": "SUPPORT" if yes else "CONTRADICT"})
    return out


def _covid_files(root: Path, split: str) -> list[Path]:
    return [root / split / f"covidCheck_{split}_{kind}.json" for kind in ("composed", "extracted")] + \
        [root / "corpus.json"]


def _check_covid(root: Path, split: str) -> list[dict]:
    corpus = {c["cord_id"]: c for c in _jsonl(root / "corpus.json")}
    out = []
    for path in _covid_files(root, split)[:2]:
        kind = path.stem.rsplit("_", 1)[-1]
        for r in _jsonl(path):
            paper = corpus[r["cord_id"]]
            out.append({"id": f"{r['id']}", "sentence": r["claim"], "title": paper.get("title"),
                        "abstract": " ".join(paper.get("abstract") or []), "label": "yes" if r["label"] == "SUPPORT"
                        else "no", "subgroup": r["label"], "source": kind, "paper_id": r["cord_id"]})
    return out


_EXPERTQA = {"Complete": "yes", "Partial": "no", "Incomplete": "no", "N/A": "unclear"}


def _passage(ev: str) -> tuple[str | None, str]:
    """(url, text) of one ExpertQA evidence string: '[n] URL' on the first line, the passage after it."""
    head, _, body = ev.partition("\n")
    parts = head.split()
    url = parts[1] if len(parts) > 1 and parts[0].startswith("[") else None
    return url, " ".join((body if url else ev).split())


def _expertqa(root: Path, split: str) -> list[dict]:
    out = []
    for q, rec in enumerate(_jsonl(root / f"{split}.jsonl")):
        for system, ans in sorted(rec.get("answers", {}).items()):
            for c, claim in enumerate(ans.get("claims") or []):
                ev = claim.get("evidence") or []
                ev = ev if isinstance(ev, list) else ast.literal_eval(ev)
                passages = [_passage(e) for e in ev if e and e.strip()]
                passages = [(u, t) for u, t in passages if t]
                if not passages:
                    continue  # nothing cited to judge against (ExpertQA's "Missing")
                sup = claim.get("support")
                out.append({"id": f"{split}-{q}-{system}-{c}", "sentence": claim["claim_string"],
                            "evidence": "\n\n".join(t for _, t in passages), "url": passages[0][0],
                            "label": _EXPERTQA.get(str(sup), "unclear"), "subgroup": str(sup), "system": system})
    return out


_WICE = {"supported": "yes", "partially_supported": "no", "not_supported": "no"}


def _wice(root: Path, split: str) -> list[dict]:
    out = []
    for r in _jsonl(root / f"claim_{split}.jsonl"):
        ev = r["evidence"] if isinstance(r["evidence"], list) else ast.literal_eval(r["evidence"])
        meta = r.get("meta") if isinstance(r.get("meta"), dict) else ast.literal_eval(r.get("meta") or "{}")
        title = None
        if ev and ev[0].startswith("(meta data) TITLE:"):
            title, ev = ev[0].split(":", 1)[1].strip(), ev[1:]
        out.append({"id": meta.get("id") or f"wice-{split}-{len(out)}", "sentence": r["claim"], "title": title,
                    "evidence": " ".join(" ".join(ev).split()), "label": _WICE[r["label"]], "subgroup": r["label"]})
    return out


def _relevance_real(root: Path, split: str) -> list[dict]:
    return [{"id": f"{r['task_id']}:{r['system']}:{r['ref_key']}", "task_id": r["task_id"], "topic": r["task_topic"],
             "title": r["title"], "url": r.get("url"), "label": r["on_topic"], "subgroup": r["system"],
             "kind": r.get("kind")} for r in _jsonl(root / f"{split}.jsonl")]


SHIPPED: dict[str, Shipped] = {s.name: s for s in (
    Shipped("scifact", "support", ("test",), "test", "SciFact experts", _scifact,
            lambda root, split: [root / "scifact_test.jsonl"]),
    Shipped("check-covid", "support", ("train", "dev", "test"), "test", "Check-COVID annotators", _check_covid,
            _covid_files, {"test": "train", "dev": "train"}, ("source",)),
    Shipped("expertqa", "support", ("rand_test", "rand_val", "domain_test", "domain_val"), "rand_test",
            "ExpertQA experts", _expertqa, lambda root, split: [root / f"{split}.jsonl"],
            {"rand_test": "rand_val", "domain_test": "domain_val"}, ("system",)),
    Shipped("wice", "support", ("dev", "test"), "test", "WiCE annotators", _wice,
            lambda root, split: [root / f"claim_{split}.jsonl"], {"test": "dev"}),
    Shipped("relevance-real-outputs", "relevance", ("dev",), "dev", "one careful annotator",
            _relevance_real, lambda root, split: [root / f"{split}.jsonl"], slices=("kind",)),
)}


def load_labels(source: str | Path, split: str | None = None) -> LabelSet:
    """A shipped set by name (its default split unless `split`), else a JSONL file of HumanLabel records."""
    shipped = SHIPPED.get(str(source))
    if shipped is not None:
        return load_shipped(shipped, split)
    if split is not None:
        raise HarnessError("--split applies to a shipped label set only", field="--split",
                           hint="shipped sets: " + ", ".join(SHIPPED))
    path = Path(source)
    if not path.is_file():
        raise HarnessError("no such label file or shipped label set", path=path,
                           hint="give a JSONL file or one of: " + ", ".join(SHIPPED))
    blob = path.read_bytes()
    labels = parse_labels(blob, path)
    # a viewer's labels (RUN/annotations.jsonl) are also measured per method shown and per annotator
    slices = tuple(f for f in USER_SLICES if any(getattr(lab, f, None) for lab in labels))
    return LabelSet(name=path.name, path=str(path), split=None, labels=labels,
                    sha256=hashlib.sha256(blob).hexdigest(), slices=slices)


def load_shipped(shipped: Shipped, split: str | None = None) -> LabelSet:
    """A shipped set's split, mapped to HumanLabel records (see the module docstring)."""
    split = split or shipped.default
    if split not in shipped.splits:
        raise HarnessError(f"label set {shipped.name!r} has no split {split!r}", field="--split",
                           hint="its splits: " + ", ".join(shipped.splits))
    root = labels_root() / shipped.name
    files = shipped.files(root, split)
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise HarnessError(f"shipped label set {shipped.name!r} is not on this machine", path=missing[0],
                           hint="set HARNESS_DATA_DIR to the shared data dir")
    h = hashlib.sha256()
    for f in files:
        h.update(hashlib.sha256(f.read_bytes()).digest())
    labels = [HumanLabel.model_validate({"judge": shipped.judge, **r}) for r in shipped.read(root, split)]
    return LabelSet(name=shipped.name, path=f"data/labels/{shipped.name}", split=split, labels=labels, sha256=h.hexdigest(),
                    who=shipped.who, calibration_split=shipped.calibration.get(split), slices=shipped.slices)


def parse_labels(blob: bytes, path: Path) -> list[HumanLabel]:
    """HumanLabel records of a JSONL file; HarnessError naming the file, line and field of the first bad one."""
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HarnessError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=path) from None
    out: list[HumanLabel] = []
    ids: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise HarnessError(f"not a JSON object: {exc.msg} (column {exc.colno})", path=path, line=n) from None
        if not isinstance(rec, dict):
            raise HarnessError(f"a label line is a JSON object, not {type(rec).__name__}", path=path, line=n)
        if rec.get("type") == "rating":  # a review's 1-5 rating from `harness view`: no judge verdict to measure
            continue
        try:
            lab = HumanLabel.model_validate(rec)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(x) for x in err.get("loc", ())) or _missing_field(rec)
            raise HarnessError(plain_message(err), path=path, line=n, field=where) from None
        if lab.id in ids:
            raise HarnessError(f"id {lab.id!r} repeats line {ids[lab.id]}", path=path, line=n, field="id")
        ids[lab.id] = n
        out.append(lab)
    if not out:
        raise HarnessError("the label file holds no label records", path=path)
    return out


def _missing_field(rec: dict) -> str | None:
    """The field a whole-record check found missing (the schema's own checks name no field)."""
    if rec.get("label") is None and not (rec.get("agreement") and rec.get("verdict_shown")):
        return "label"
    support = rec.get("judge") == "support" or (rec.get("judge") is None and rec.get("sentence"))
    if support:
        return "sentence" if not rec.get("sentence") else "abstract"
    return "title" if not rec.get("title") else "topic"
