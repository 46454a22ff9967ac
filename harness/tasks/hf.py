"""The task suite as a Hugging Face `datasets` dataset: `tasks`, `papers` and `pool` tables (configs), and back.

Layout (the Hub's): DIR/README.md (YAML `configs:` naming each table's parquet file) and DIR/data/<table>.parquet,
so `datasets.load_dataset(DIR_OR_HUB_ID, "tasks")` reads a table locally or from the Hub. Row order and a
`position` column keep each task's paper and pool order; free-form provenance is a JSON string. Loading
re-validates every task and checks its stored content hash, so a round trip is exact or an error.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from harness.core.errors import HarnessError
from harness.models import Task
from harness.tasks.validate import validate_task

TABLES = ("tasks", "papers", "pool")
_SURVEY = {"title": "string", "authors": ["string"], "year": "int32", "arxiv_id": "string", "url": "string",
           "outline": ["string"], "outline_note": "string", "alternate_outline": ["string"]}


def _features() -> dict[str, Any]:
    from datasets import Features, Value

    def conv(spec):
        if isinstance(spec, list):  # a plain list: a list of that type (structs stay lists of dicts)
            return [conv(spec[0])]
        if isinstance(spec, dict):
            return {k: conv(v) for k, v in spec.items()}
        return Value(spec)

    return {
        "tasks": Features(conv({
            "id": "string", "topic": "string", "since": "int32", "target_words_min": "int32",
            "target_words_max": "int32", "target_references_min": "int32", "target_references_max": "int32",
            "reference_survey": _SURVEY, "alternate_reference_surveys": [_SURVEY], "reference_papers": ["string"],
            "pooled_reference_ids": ["string"], "surveybench_topic": "string", "reference_text": "string",
            "provenance_json": "string", "bibliography": "string", "content_hash": "string"})),
        "papers": Features(conv({"task_id": "string", "position": "int32", "id": "string", "title": "string",
                                 "arxiv_id": "string", "doi": "string", "year": "int32", "authors": ["string"],
                                 "abstract": "string", "url": "string", "provenance_json": "string"})),
        "pool": Features(conv({"task_id": "string", "position": "int32", "paper_id": "string", "role": "string"})),
    }


def task_rows(task: Task) -> dict[str, list[dict[str, Any]]]:
    """One task as rows of the three tables."""
    d = task.model_dump(mode="json")
    tw, tr = d["target_words"] or {}, d["target_references"]
    row = {"id": d["id"], "topic": d["topic"], "since": d["since"], "target_words_min": tw.get("min"),
           "target_words_max": tw.get("max"), "target_references_min": tr["min"], "target_references_max": tr["max"],
           "reference_survey": d["reference_survey"], "alternate_reference_surveys": d["alternate_reference_surveys"],
           "reference_papers": d["reference_papers"], "pooled_reference_ids": d["pooled_reference_ids"],
           "surveybench_topic": d["surveybench_topic"], "reference_text": d["reference_text"],
           "provenance_json": json.dumps(d["provenance"], ensure_ascii=False, sort_keys=True),
           "bibliography": d.get("bibliography", "reference"), "content_hash": task.content_hash or task.compute_hash()}
    papers = [{"task_id": task.id, "position": i, **_paper_row(p)} for i, p in enumerate(d["papers"])]
    pool = [{"task_id": task.id, "position": i, **p} for i, p in enumerate(d["pool"])]
    return {"tasks": [row], "papers": papers, "pool": pool}


def _paper_row(paper: dict[str, Any]) -> dict[str, Any]:
    """A paper as a row: its free-form provenance (source, grade) as a JSON string."""
    prov = paper.get("provenance")
    return {**{k: v for k, v in paper.items() if k != "provenance"},
            "provenance_json": None if prov is None else json.dumps(prov, ensure_ascii=False, sort_keys=True)}


def _paper_of_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k not in ("task_id", "position", "provenance_json")}
    if row.get("provenance_json"):
        out["provenance"] = json.loads(row["provenance_json"])
    return out


def task_from_rows(row: dict[str, Any], papers: list[dict[str, Any]], pool: list[dict[str, Any]]) -> dict[str, Any]:
    """The task-file object of one tasks row and its papers / pool rows."""
    tw = None if row["target_words_min"] is None else {"min": row["target_words_min"], "max": row["target_words_max"]}
    data = {"id": row["id"], "topic": row["topic"], "since": row["since"], "target_words": tw,
            "target_references": {"min": row["target_references_min"], "max": row["target_references_max"]},
            "reference_survey": row["reference_survey"],
            "alternate_reference_surveys": row["alternate_reference_surveys"],
            "papers": [_paper_of_row(p) for p in sorted(papers, key=lambda p: p["position"])],
            "reference_papers": row["reference_papers"],
            "pool": [{"paper_id": p["paper_id"], "role": p["role"]} for p in sorted(pool, key=lambda p: p["position"])],
            "pooled_reference_ids": row["pooled_reference_ids"], "surveybench_topic": row["surveybench_topic"],
            "reference_text": row["reference_text"], "provenance": json.loads(row["provenance_json"] or "{}"),
            "content_hash": row["content_hash"]}
    if row.get("bibliography") and row["bibliography"] != "reference":
        data["bibliography"] = row["bibliography"]
    return data


_README = """---
configs:
{configs}
---
# review-harness task suite

{n} literature-review tasks as three tables: `tasks` (one row per task), `papers` (each task's known papers,
`position` = order in the task) and `pool` (each task's candidate pool with roles). Load with
`datasets.load_dataset(PATH_OR_ID, "tasks")`, or give `tasks: hf:PATH_OR_ID` in a review-harness config.
"""


def export_suite(tasks: dict[str, Task], out: Path) -> dict[str, int]:
    """Write the suite to out (README.md + data/<table>.parquet); returns row counts per table."""
    from datasets import Dataset, disable_progress_bars

    disable_progress_bars()
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for task in tasks.values():
        for table, r in task_rows(task).items():
            rows[table].extend(r)
    feats = _features()
    (out / "data").mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        tmp = out / "data" / f".{table}.parquet.tmp"
        Dataset.from_list(rows[table], features=feats[table]).to_parquet(str(tmp))
        os.replace(tmp, out / "data" / f"{table}.parquet")
    configs = "\n".join(f"- config_name: {t}\n  data_files:\n  - split: train\n    path: data/{t}.parquet"
                        for t in TABLES)
    (out / "README.md").write_text(_README.format(configs=configs, n=len(tasks)), encoding="utf-8")
    return {t: len(r) for t, r in rows.items()}


def _load_table(src: str, table: str):
    import datasets

    datasets.disable_progress_bars()
    cache = os.environ.get("HARNESS_CACHE_DIR")
    kwargs = {"cache_dir": str(Path(cache) / "datasets")} if cache else {}
    local = Path(src)
    if local.is_dir():
        f = local / "data" / f"{table}.parquet"
        if not f.is_file():
            raise HarnessError(f"not a task dataset: {f.relative_to(local)} is missing", path=local,
                               hint="write one with `harness tasks export DIR --format hf`")
        return datasets.load_dataset("parquet", data_files={"train": str(f)}, split="train", **kwargs)
    return datasets.load_dataset(src, table, split="train", **kwargs)  # a Hub id (needs the network)


def load_hf_suite(src: str) -> dict[str, Task]:
    """Tasks of a dataset written by export_suite (a local dir or a Hub id), by id; each validated, hash checked."""
    try:
        tables = {t: _load_table(src, t) for t in TABLES}
    except HarnessError:
        raise
    except Exception as exc:  # datasets raises many types (offline, missing repo, schema)
        raise HarnessError(f"cannot load task dataset: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}",
                           path=f"hf:{src}") from None
    by_task: dict[str, dict[str, list]] = {}
    for table in ("papers", "pool"):
        for r in tables[table]:
            by_task.setdefault(r["task_id"], {"papers": [], "pool": []})[table].append(r)
    suite: dict[str, Task] = {}
    for i, row in enumerate(tables["tasks"]):
        parts = by_task.get(row["id"], {"papers": [], "pool": []})
        task = validate_task(task_from_rows(row, parts["papers"], parts["pool"]), f"hf:{src}[tasks row {i}]", None)
        if task.id in suite:
            raise HarnessError(f"task id {task.id!r} appears twice", path=f"hf:{src}[tasks row {i}]", field="id")
        suite[task.id] = task
    if not suite:
        raise HarnessError("the task dataset has no tasks", path=f"hf:{src}")
    return dict(sorted(suite.items()))
