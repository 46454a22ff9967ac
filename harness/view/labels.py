"""Human labels a viewer user gives: a verdict checked (a HumanLabel, the record `harness judges validate`
reads) or a review rated on named criteria (a record of type "rating", which the validator skips). Each is one
JSON line appended to RUN/annotations.jsonl and fsynced; scores are never touched."""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import json
import os
import secrets
import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.core.errors import HarnessError
from harness.core.fileio import atomic_write
from harness.judges.schema import Agreement, HumanLabel
from harness.runner.store.jsonl import iter_jsonl
from harness.view.evidence import JudgeVerdict, RefEvidence

CRITERIA = ("coverage", "citations", "structure", "clarity")
_LOCK = threading.Lock()


class Rating(BaseModel):
    """A review rated 1-5 on named criteria, with a comment (not a judge label: `harness judges validate` skips it)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["rating"] = "rating"
    id: str
    annotator: str
    time: str
    run: str
    cell: str
    ratings: dict[str, int] = Field(default_factory=dict)
    comment: str = ""


def now() -> str:
    """The label's time: UTC, ISO 8601, seconds."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def input_id(run: str, cell: str, verdict: JudgeVerdict, key: str) -> str:
    """One id per judged input (run, cell, score, key, item, sentence): labels of the same input share it."""
    parts = [run, cell, verdict.score, key, verdict.item or "", verdict.sentence or ""]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def verdict_label(*, run: str, cell: str, task_id: str, topic: str | None, ref: RefEvidence, verdict: JudgeVerdict,
                  agreement: Agreement, annotator: str) -> HumanLabel:
    """The HumanLabel for a person's agreement with one shown verdict, carrying the judge's own inputs."""
    same = input_id(run, cell, verdict, ref.key)
    record: dict[str, Any] = {
        "id": f"view-{same}-{secrets.token_hex(4)}", "input_id": same, "judge": verdict.judge, "title": ref.title or None,
        "annotator": annotator, "time": now(), "run": run, "cell": cell, "citation": ref.key,
        "method": verdict.method, "model": verdict.model, "verdict_shown": verdict.shown, "agreement": agreement,
        "score": verdict.score, "item": verdict.item, "value": verdict.value, "threshold": verdict.threshold,
    }
    if verdict.judge == "support":
        record.update(sentence=verdict.sentence, abstract=ref.abstract)
    else:
        record.update(topic=topic, task_id=task_id, url=ref.url, abstract=ref.abstract)
    try:
        return HumanLabel.model_validate(record)
    except ValueError as exc:
        raise HarnessError(f"this verdict cannot be labelled: {exc}", field="citation") from None


def append(path: Path, record: BaseModel) -> dict[str, Any]:
    """Append one record as a JSON line and fsync it; returns what was written."""
    data = record.model_dump(mode="json", exclude_none=True)
    line = (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")
    with _LOCK:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    return data


def read(path: Path) -> list[dict[str, Any]]:
    """The records of an annotations file (a torn last line is ignored)."""
    return list(iter_jsonl(path))


def agreement_counts(records: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, int]]:
    """(score, method) -> counts of agree / disagree / unsure over the verdict labels."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    for r in records:
        if r.get("type") == "rating" or not r.get("agreement"):
            continue
        key = (str(r.get("score") or r.get("judge")), str(r.get("method") or ""))
        counts = out.setdefault(key, {"agree": 0, "disagree": 0, "unsure": 0})
        counts[str(r["agreement"])] = counts.get(str(r["agreement"]), 0) + 1
    return out


def export_csv(records: list[dict[str, Any]], path: Path) -> int:
    """Write every record as one CSV row (a rating's criteria as rating.<name> columns); returns the row count."""
    rows = []
    for r in records:
        flat = {k: v for k, v in r.items() if k != "ratings"}
        for name, value in (r.get("ratings") or {}).items():
            flat[f"rating.{name}"] = value
        rows.append(flat)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: _cell(v) for k, v in r.items()})
    atomic_write(path, buf.getvalue())
    return len(rows)


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
