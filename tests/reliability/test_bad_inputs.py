"""Bad inputs, one table: every case ends in a HarnessError naming the file and the field, or in a precise
defined result (flags, warnings, not-applicable scores) — never a traceback, never a silent zero."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from harness.core.errors import HarnessError

from .conftest import small_task

# --------------------------------------------------------------------------------------------------------------
# helpers: write inputs, load them through the real entry points
# --------------------------------------------------------------------------------------------------------------


def _task_file(tmp: Path, data: Any, name: str = "bad-task.json") -> Path:
    p = tmp / name
    p.write_text(data if isinstance(data, str) else json.dumps(data, indent=1), encoding="utf-8")
    return p


def _mut(fn: Callable[[dict], Any]) -> Callable[[Path], Path]:
    """A task case: take a valid task dict, mutate it, write it."""

    def build(tmp: Path) -> Path:
        d = small_task("bad-task", "graph neural networks")
        fn(d)
        return _task_file(tmp, d)

    return build


def load_task(path: Path):
    from harness.tasks.suite import load_task_file

    return load_task_file(path)


def _config_file(tmp: Path, text: str | bytes, name: str = "bad-config.yaml") -> Path:
    """Write a case's file as given (bytes stay bytes: invalid UTF-8 cases need them)."""
    p = tmp / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


_GEN_OK = "generators:\n  - {name: ext, kind: extractive}\n"


def load_config(path: Path):
    from harness.config import ExperimentConfig

    return ExperimentConfig.from_yaml(path)


def expand_config(path: Path):
    """Load and expand task selectors against the shipped suite (where unknown task ids are found)."""
    from harness.config import ExperimentConfig
    from harness.tasks.suite import load_suite

    cfg = ExperimentConfig.from_yaml(path)
    return cfg.task_ids(list(load_suite(cfg.tasks_dir)))


def _output_file(tmp: Path, data: str | bytes, name: str = "review.md") -> Path:
    return _config_file(tmp, data, name)


_TASK = small_task("out-task", "graph neural networks")
_T = [p["title"] for p in _TASK["papers"]]
_UNICODE_TITLE = "Réseaux de neurones sur graphes: تعلم الآلة على الرسوم البيانية — שיטות למידה"


def _task_with_unicode():
    from harness.models import Task

    d = small_task("out-task", "graph neural networks")
    d["papers"].append({"id": "2303.99999", "title": _UNICODE_TITLE, "arxiv_id": "2303.99999", "year": 2023,
                        "authors": [], "abstract": None})
    d["reference_papers"].append("2303.99999")
    return Task.model_validate(d)


@dataclass
class Outcome:
    """What reading (and scoring) a generator output produced: the resolved review, scores, resolution report."""

    review: Any
    scores: list
    report: Any


def read_and_score(path: Path, task=None) -> Outcome:
    """The replay path: read a generator's output file, resolve it against the task, score it."""
    from harness.models import Task
    from harness.readers import read_review
    from harness.papers.resolve import resolve_for_task
    from harness.scorers import score_review

    task = task or Task.model_validate(_TASK)
    review = read_review(path)
    resolved = resolve_for_task(review, task, None)
    scores = score_review(review, task, families=_FAST_FAMILIES())
    return Outcome(resolved.review, scores, resolved.report)


def _FAST_FAMILIES() -> list[str] | None:
    """Every scorer family that runs without a judge model (judged families need a provider)."""
    from harness.scorers import FAMILIES

    return [f for f in FAMILIES if "judge" not in f]


def _evidenced(details: dict) -> bool:
    """True when details hold evidence that something was counted: a positive number, or a non-empty list/dict."""
    for v in details.values():
        if isinstance(v, bool):
            continue
        if isinstance(v, (int, float)) and v > 0:
            return True
        if isinstance(v, (list, dict)) and v:
            return True
    return False


def _no_silent_zero(out: Outcome) -> None:
    """Each score has a status and an explanation; every ok 0 was computed, shown by the evidence in its details
    (what was counted: a positive denominator, the checks run, the items looked at); nothing crashed."""
    assert out.scores, "no scores at all"
    for s in out.scores:
        assert s.status in ("ok", "not_applicable", "error")
        assert s.explanation and s.explanation.strip(), f"{s.name}: no explanation"
        if s.status != "ok":
            assert s.value is None
        elif s.value == 0:
            assert _evidenced(s.details), f"{s.name}: ok 0 without evidence of what was counted: {s.details}"
        # score_review turns a scorer exception into an error score: that is a hidden traceback here
        assert "failed:" not in s.explanation, f"{s.name}: a scorer crashed on this input: {s.explanation}"


def _flagged(out: Outcome, *words: str, scores: tuple[str, ...] = ()) -> bool:
    """True when the review's warnings, the reasons of scores that are not ok, or the explanations of the named
    `scores` mention one of words (an ok score's explanation elsewhere is not a flag: "soft cardinality over
    MiniLM cosines" is not a review flagged as "over" its length)."""
    blob = " ".join(out.review.warnings).lower()
    blob += " ".join(f"{s.status} {s.explanation}" for s in out.scores
                     if s.status != "ok" or s.name in scores).lower()
    return any(w in blob for w in words)


# --------------------------------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Case:
    """build(tmp) -> input path; run(path) -> result. Expect an error naming `names` (file + field) or check()."""

    id: str
    build: Callable[[Path], Path]
    run: Callable[[Path], Any]
    error: list[str] | None = None  # a HarnessError is accepted: str() names the file and each of these
    check: Callable[[Any], None] | None = None  # a result is accepted when check(result) passes


# ---- generator-output checks ---------------------------------------------------------------------------------

def _check_empty(out: Outcome) -> None:
    _no_silent_zero(out)
    assert out.review.references == [] and out.review.citations == []
    assert _flagged(out, "empty", "no text", "no body"), f"empty output not flagged: {out.review.warnings}"
    length = [s for s in out.scores if s.name.startswith("length")]
    assert length, "no length score for an empty review"


def _check_big(out: Outcome) -> None:
    _no_silent_zero(out)
    from harness.core.text import count_words

    assert count_words(out.review.text) > 1_000_000
    # one sentence repeated: its repeats earn no length (issue 26), so it is flagged as repeated, not as too long
    assert _flagged(out, "above", "repeated", scores=("length.in_target",)), "10 MB review not flagged"
    assert out.scores and {s.name: s for s in out.scores}["length.in_target"].value == 0


def _check_no_refs(out: Outcome) -> None:
    _no_silent_zero(out)
    assert out.review.references == []
    assert len(out.review.citations) == 3
    assert sorted(out.report.dangling, key=int) == ["1", "2", "3"]
    assert _flagged(out, "dangling", "no reference", "without reference", "no entry", "unresolved", "no references")


def _check_refs_no_text(out: Outcome) -> None:
    _no_silent_zero(out)
    assert [e.key for e in out.review.references] == ["1", "2"]
    assert all(e.paper_id is None for e in out.review.references) or out.report.unresolved == ["1", "2"]
    assert out.report.unresolved == ["1", "2"] and not out.report.resolved


def _check_past_list(out: Outcome) -> None:
    _no_silent_zero(out)
    assert [e.key for e in out.review.references] == ["1", "2"]
    assert out.report.dangling == ["7", "9"]
    assert sorted(out.report.resolved) == ["1", "2"]


def _check_nested(out: Outcome) -> None:
    _no_silent_zero(out)
    keys = sorted({k for c in out.review.citations for k in c.keys}, key=int)
    assert keys == ["1", "2"], keys
    assert out.report.dangling == []


def _check_code_block(out: Outcome) -> None:
    _no_silent_zero(out)
    keys = [k for c in out.review.citations for k in c.keys]
    assert keys == ["1"], f"citations inside code blocks were counted: {keys}"
    assert "2" in out.report.uncited


def _check_unicode(out: Outcome) -> None:
    _no_silent_zero(out)
    entry = out.review.references[0]
    assert entry.title and "تعلم" in entry.title and "שיטות" in entry.title
    assert entry.paper_id == "2303.99999", (entry.title, entry.match)
    assert out.report.resolved == ["1"] and out.report.dangling == []


def _check_refs_only(out: Outcome) -> None:
    _no_silent_zero(out)
    assert len(out.review.references) == 2
    assert out.review.citations == []
    assert sorted(out.report.uncited) == ["1", "2"]
    assert _flagged(out, "empty", "no text", "no body", "no prose", "only a reference", "uncited", "no citation")


def _check_task_ok(task) -> None:
    from harness.models import Task

    assert isinstance(task, Task)


def _score_without_off_topic_pool(path: Path) -> Outcome:
    from harness.models import Task

    return read_and_score(path, Task.model_validate(small_task("out-task", "graph neural networks",
                                                               off_topic=False)))


def _check_cites_all_in_bibliography(out: Outcome) -> None:
    _no_silent_zero(out)
    assert sorted(out.report.resolved) == ["1", "2"]


def _score_with_unicode(path: Path) -> Outcome:
    return read_and_score(path, _task_with_unicode())


_BODY3 = ("# Review\n\n## Intro\n\nGraph models learn node features [1]. Message passing is general [2]. "
          "Deeper models over-smooth [3].\n")

CASES: list[Case] = [
    # ---------------- task files -----------------------------------------------------------------------------
    Case("task-missing-topic", _mut(lambda d: d.pop("topic")), load_task, ["topic", "required"]),
    Case("task-missing-papers", _mut(lambda d: d.pop("papers")), load_task, ["papers", "required"]),
    Case("task-wrong-type-target-words", _mut(lambda d: d.update(target_words="many")), load_task,
         ["target_words"]),
    Case("task-wrong-type-year", _mut(lambda d: d["papers"][2].update(year="last spring")), load_task,
         ["papers.2.year"]),
    Case("task-duplicate-paper-ids", _mut(lambda d: d["papers"].append(dict(d["papers"][0]))), load_task,
         ["papers[", "duplicated"]),
    Case("task-empty-bibliography", _mut(lambda d: d.update(reference_papers=[])), load_task,
         ["reference_papers", "empty"]),
    Case("task-bibliography-id-unknown", _mut(lambda d: d["reference_papers"].append("9999.99999")), load_task,
         ["reference_papers[", "9999.99999"]),
    Case("task-pool-id-not-in-papers", _mut(lambda d: d["pool"].append({"paper_id": "nope", "role": "topical"})),
         load_task, ["pool[", "nope"]),
    Case("task-pool-bad-role", _mut(lambda d: d["pool"][0].update(role="favourite")), load_task, ["pool.0.role"]),
    Case("task-unknown-field", _mut(lambda d: d.update(topik="typo")), load_task, ["topik"]),
    Case("task-bad-arxiv-id", _mut(lambda d: d["papers"][1].update(arxiv_id="not-an-id")), load_task,
         ["papers.1.arxiv_id"]),
    Case("task-empty-title", _mut(lambda d: d["papers"][0].update(title="   ")), load_task, ["papers.0.title"]),
    Case("task-word-range-inverted", _mut(lambda d: d.update(target_words={"min": 900, "max": 100})), load_task,
         ["target_words"]),
    Case("task-invalid-json", lambda t: _task_file(t, '{"id": "x",\n  "topic": "y",\n  "papers": [,]\n}'),
         load_task, ["json"]),
    Case("task-top-level-list", lambda t: _task_file(t, "[1, 2, 3]"), load_task, []),
    Case("task-invalid-utf8", lambda t: _output_file(
        t, json.dumps(small_task("bad-task", "x")).encode().replace(b'"x"', b'"\xff\xfe x"'), "bad-task.json"),
         load_task, ["utf-8"]),
    Case("task-50mb", lambda t: _task_file(t, json.dumps({**small_task("bad-task", "big topic"),
                                                          "reference_text": "lorem ipsum " * 4_400_000})),
         load_task, None, check=_check_task_ok),
    Case("task-file-missing", lambda t: t / "no-such-task.json", load_task, ["no such file"]),
    # ---------------- configs --------------------------------------------------------------------------------
    Case("config-unknown-generator-kind",
         lambda t: _config_file(t, "generators:\n  - {name: g, kind: telepathy}\n"), load_config,
         ["generators.0.kind"]),
    Case("config-negative-concurrency",
         lambda t: _config_file(t, _GEN_OK + "concurrency:\n  global: -4\n"), load_config, ["concurrency.global"]),
    Case("config-negative-per-model",
         lambda t: _config_file(t, _GEN_OK + "concurrency:\n  per_model: {m: -1}\n"), load_config,
         ["concurrency.per_model"]),
    Case("config-unknown-scorer",
         lambda t: _config_file(t, _GEN_OK + "scorers:\n  families: [coverage, vibes]\n"), load_config,
         ["scorers.families[1]", "vibes"]),
    Case("config-unknown-task-id",
         lambda t: _config_file(t, "tasks: [no-such-task]\n" + _GEN_OK), expand_config,
         ["tasks[0]", "no-such-task"]),
    Case("config-bad-yaml", lambda t: _config_file(t, "name: x\ngenerators: [\n  - {name: a\n"), load_config,
         ["yaml"]),
    Case("config-not-a-mapping", lambda t: _config_file(t, "- just\n- a list\n"), load_config, ["mapping"]),
    Case("config-unknown-key", lambda t: _config_file(t, _GEN_OK + "generatorz: []\n"), load_config,
         ["generatorz"]),
    Case("config-no-generators", lambda t: _config_file(t, "generators: []\n"), load_config, ["generators"]),
    Case("config-llm-without-model", lambda t: _config_file(t, "generators:\n  - {name: g, kind: llm}\n"),
         load_config, ["generators[0]", "model"]),
    Case("config-zero-timeout", lambda t: _config_file(t, _GEN_OK + "timeout_s: 0\n"), load_config, ["timeout_s"]),
    Case("config-negative-budget", lambda t: _config_file(t, _GEN_OK + "budget_usd: -1\n"), load_config,
         ["budget_usd"]),
    Case("config-bad-strategy",
         lambda t: _config_file(t, "generators:\n  - {name: g, kind: llm, model: openai/x, strategy: vibes}\n"),
         load_config, ["generators.0.strategy"]),
    Case("config-invalid-utf8", lambda t: _config_file(t, b"name: \xff\xfe\n" + _GEN_OK.encode()), load_config,
         ["utf-8"]),
    # ---------------- generator outputs (read, resolve, score) --------------------------------------------------
    Case("output-empty", lambda t: _output_file(t, ""), read_and_score, None, check=_check_empty),
    Case("output-whitespace-only", lambda t: _output_file(t, " \n\t\n   \n"), read_and_score, None,
         check=_check_empty),
    Case("output-binary", lambda t: _output_file(t, bytes(range(256)) * 64), read_and_score, ["binary"]),
    Case("output-10mb", lambda t: _output_file(t, "# Big\n\n" + ("Graph models learn features of nodes. " * 50
                                                                  + "\n\n") * 5300), read_and_score, None,
         check=_check_big),
    Case("output-no-references", lambda t: _output_file(t, _BODY3), read_and_score, None, check=_check_no_refs),
    Case("output-references-no-text", lambda t: _output_file(t, _BODY3.replace(" [3]", "") +
                                                            "\n## References\n\n[1]\n[2]\n"),
         read_and_score, None, check=_check_refs_no_text),
    Case("output-markers-past-list", lambda t: _output_file(
        t, "# R\n\n## Intro\n\nA claim [1]. Another claim [2]. A far claim [7]. And [9].\n\n## References\n\n"
           f"[1] {_T[0]}\n[2] {_T[1]}\n"), read_and_score, None, check=_check_past_list),
    Case("output-nested-brackets", lambda t: _output_file(
        t, "# R\n\n## Intro\n\nNested [[1]] markers and [see [2]] and [[1], [2]] groups.\n\n## References\n\n"
           f"[1] {_T[0]}\n[2] {_T[1]}\n"), read_and_score, None, check=_check_nested),
    Case("output-citations-in-code", lambda t: _output_file(
        t, "# R\n\n## Intro\n\nReal claim [1].\n\n```python\nx = refs[2]  # [2]\n```\n\n## References\n\n"
           f"[1] {_T[0]}\n[2] {_T[1]}\n"), read_and_score, None, check=_check_code_block),
    Case("output-unicode-rtl-titles", lambda t: _output_file(
        t, "# مراجعة\n\n## مقدمة\n\nהמודלים לומדים ייצוגים של גרפים [1]. Les réseaux généralisent bien [1].\n\n"
           f"## References\n\n[1] {_UNICODE_TITLE}\n"), _score_with_unicode, None, check=_check_unicode),
    Case("output-task-pool-without-off-topic", lambda t: _output_file(
        t, f"# R\n\n## Intro\n\nA claim [1]. Another claim [2].\n\n## References\n\n[1] {_T[0]}\n[2] {_T[1]}\n"),
         _score_without_off_topic_pool, None, check=_check_cites_all_in_bibliography),
    Case("output-references-only", lambda t: _output_file(
        t, f"## References\n\n[1] {_T[0]}\n[2] {_T[1]}\n"), read_and_score, None, check=_check_refs_only),
]


# ---- issue 14: task validation, nesting, run directories -----------------------------------------------------

_DEEP = "[" * 100_000 + "]" * 100_000  # the JSON decoder recurses once per level


def _export(tmp: Path, *lines: str) -> Path:
    """A JSON-lines task export: one line per row, as written."""
    return _config_file(tmp, "".join(line + "\n" for line in lines), "tasks.jsonl")


def load_export(path: Path):
    from harness.tasks.suite import load_task_dataset

    return load_task_dataset(path)


def _shared_arxiv(d: dict) -> None:
    twin = dict(d["papers"][2], id="t-0123456789ab", title="The same paper under another title")
    d["papers"].append(twin)


def _run_files(tmp: Path) -> Path:
    """A two-cell run directory written through the runner's store (manifest, generations, scores, parquet)."""
    from harness.generators.base import Generation
    from harness.models import Review, Score
    from harness.cells import Cell
    from harness.runner.store import RunStore

    run = tmp / "run"
    store = RunStore(run)
    store.write_manifest({"run_id": "run", "config": {"generators": [{"name": "ext", "kind": "extractive"}]}})
    for i, task in enumerate(("rel-alpha", "rel-beta")):
        cell = Cell(task_id=task, generator="ext", seed=0)
        review = Review(source_format="markdown", text=f"# R\n\nThree words here {i}.")
        store.append_generation(cell, Generation(task_id=task, generator="ext", seed=0, review=review))
        store.append_scores(cell, [Score.ok("length.words", 4, "four words")])
    store.materialize_scores()
    store.close()
    return run


def _damaged(name: str, damage: Callable[[Path], None]) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        path = _run_files(tmp) / name
        damage(path)
        return path

    return build


def _cut_second_line(path: Path) -> None:
    first, second = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(first + second[: len(second) // 2])


def rescore_run(path: Path):
    from harness.runner.rescore import rescore

    return rescore(path.parent)


def load_report_data(path: Path):
    from harness.report.load import load_run

    return load_run(path.parent)


def _check_parquet_fallback(run) -> None:
    assert run.scores["cell"].n_unique() == 2 and not run.missing_cells
    assert any("scores.parquet is unreadable" in w and "the scores table was rebuilt from scores.jsonl" in w
               for w in run.warnings), run.warnings


def _check_cut_scores(run) -> None:
    assert run.scores["cell"].to_list() == ["rel-alpha|ext|0"] and run.missing_cells == ["rel-beta|ext|0"]
    text = " ".join(run.warnings)
    assert "scores.jsonl: 1 unreadable line (2 torn) of cells rel-beta|ext|0" in text, run.warnings
    assert "missing from the tables: rel-beta|ext|0" in text, run.warnings


CASES += [
    Case("task-empty-id", _mut(lambda d: d.update(id="")), load_task, ["field 'id'", "empty"]),
    Case("task-path-like-id", _mut(lambda d: d.update(id="../../etc/x")), load_task, ["field 'id'", "not a plain"]),
    Case("task-empty-topic", _mut(lambda d: d.update(topic="  ")), load_task, ["field 'topic'", "empty"]),
    Case("task-duplicate-reference-papers", _mut(lambda d: d["reference_papers"].extend(d["reference_papers"])),
         load_task, ["reference_papers.8", "listed twice"]),
    Case("task-duplicate-pool-items", _mut(lambda d: d["pool"].append(dict(d["pool"][3]))), load_task,
         ["pool.14.paper_id", "listed twice"]),
    Case("task-two-papers-one-arxiv-id", _mut(_shared_arxiv), load_task, ["papers.14.arxiv_id", "also the arXiv id"]),
    Case("task-no-pydantic-wording", _mut(lambda d: d.update(topik="typo")), load_task, ["unknown field"],),
    Case("task-deeply-nested-json", lambda t: _task_file(t, '{"id": "x", "provenance": ' + _DEEP + "}"), load_task,
         ["nested too deeply"]),
    Case("task-export-bad-line", lambda t: _export(t, json.dumps(small_task("ok-one", "graph neural networks")),
                                                   '{"id": "broken",'), load_export, ["tasks.jsonl:2", "row 1"]),
    Case("task-export-bad-row", lambda t: _export(t, json.dumps(small_task("ok-one", "graph neural networks")),
                                                  json.dumps(small_task("", "x"))), load_export,
         ["tasks.jsonl:2", "field 'id'", "row 1"]),
    Case("config-deeply-nested-yaml",
         lambda t: _config_file(t, "name: x\nparams: " + "[" * 5000 + "]" * 5000 + "\n"), load_config,
         ["nested too deeply"]),
    Case("config-generator-name-twice", lambda t: _config_file(t, "generators:\n  - {name: a, kind: extractive}\n"
                                                                  "  - {name: a, kind: extractive}\n"),
         load_config, ["bad-config.yaml:3", "field 'generators[1].name'", "used twice"]),
    Case("config-empty-scorer-list", lambda t: _config_file(t, _GEN_OK + "scorers:\n  families: []\n"), load_config,
         ["bad-config.yaml:4", "scorers.families", "no scorer family"]),
    Case("output-deeply-nested-json", lambda t: _output_file(t, _DEEP, "review.json"), read_and_score,
         ["nested too deeply"]),
    Case("run-manifest-without-config", _damaged("manifest.json", lambda p: p.write_text("{}")), rescore_run,
         ["field 'config'", "no run config"]),
    Case("run-generations-torn", _damaged("generations.jsonl", _cut_second_line), rescore_run,
         ["generations.jsonl:2", "would drop the scores"]),
    Case("run-scores-parquet-garbage", _damaged("scores.parquet", lambda p: p.write_bytes(b"PAR1 garbage")),
         load_report_data, None, check=_check_parquet_fallback),
    Case("run-scores-jsonl-cut-short", _damaged("scores.jsonl", _cut_second_line), load_report_data, None,
         check=_check_cut_scores),
]


# ---- human label files (`harness judges validate --labels FILE`) ----------------------------------------------
_LABEL_OK = '{"id": "ok", "sentence": "Drug X lowers blood pressure.", "abstract": "We show it does.", "label": "yes"}'


def _labels(*lines: str | bytes) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        p = tmp / "labels.jsonl"
        p.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n")
        return p

    return build


def load_label_file(path: Path):
    from harness.judges.labelsets import load_labels

    return load_labels(str(path))


CASES += [
    Case("labels-not-json", _labels(_LABEL_OK, '{"id": "b", "label": "yes",'), load_label_file,
         ["labels.jsonl:2", "not a JSON object"]),
    Case("labels-line-not-object", _labels(_LABEL_OK, "[1, 2]"), load_label_file, ["labels.jsonl:2", "JSON object"]),
    Case("labels-no-label", _labels(_LABEL_OK, '{"id": "b", "sentence": "S.", "abstract": "A."}'), load_label_file,
         ["labels.jsonl:2", "field 'label'", "no label"]),
    Case("labels-bad-label-value", _labels('{"id": "a", "sentence": "S.", "abstract": "A.", "label": "maybe"}'),
         load_label_file, ["labels.jsonl:1", "field 'label'", "yes"]),
    Case("labels-support-without-source", _labels(_LABEL_OK, '{"id": "b", "sentence": "S.", "label": "no"}'),
         load_label_file, ["labels.jsonl:2", "field 'abstract'"]),
    Case("labels-relevance-without-topic", _labels('{"id": "r", "title": "A paper", "label": "yes"}'),
         load_label_file, ["labels.jsonl:1", "field 'topic'"]),
    Case("labels-missing-id", _labels('{"sentence": "S.", "abstract": "A.", "label": "yes"}'), load_label_file,
         ["labels.jsonl:1", "field 'id'"]),
    Case("labels-duplicate-id", _labels(_LABEL_OK, _LABEL_OK), load_label_file,
         ["labels.jsonl:2", "field 'id'", "repeats line 1"]),
    Case("labels-not-utf8", _labels(_LABEL_OK, b'{"id": "b\xff"}'), load_label_file, ["not UTF-8"]),
    Case("labels-empty-file", _labels(""), load_label_file, ["no label records"]),
    Case("labels-bad-agreement", _labels('{"id": "v", "sentence": "S.", "abstract": "A.", "verdict_shown": "yes", '
                                         '"agreement": "sort of"}'), load_label_file,
         ["labels.jsonl:1", "field 'agreement'"]),
]

@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    assert (case.error is None) != (case.check is None), f"{case.id}: pin the case to one behaviour (an error "\
                                                         "or a checked result), not both or neither"
    path = case.build(tmp_path)
    try:
        result = case.run(path)
    except HarnessError as exc:
        text = str(exc)
        assert case.error is not None, f"{case.id}: expected a defined result, got HarnessError: {text}"
        assert "\n" not in text.strip(), f"{case.id}: error message is not one line: {text!r}"
        assert path.name in text, f"{case.id}: error does not name the file: {text}"
        for want in case.error:
            assert want.lower() in text.lower(), f"{case.id}: error does not mention {want!r}: {text}"
        return
    except Exception as exc:  # noqa: BLE001 - a traceback is the failure this table exists to catch
        pytest.fail(f"{case.id}: raised {type(exc).__name__} instead of a HarnessError: {exc!s:.500}")
    assert case.check is not None, f"{case.id}: bad input accepted silently (expected HarnessError naming "\
                                   f"{case.error})"
    case.check(result)


def test_the_checks_themselves_can_fail() -> None:
    """_no_silent_zero rejects an ok 0 without evidence; _flagged ignores ok explanations it was not pointed at."""
    from harness.models import Review, Score

    review = Review(source_format="markdown", text="x")
    bare_zero = Outcome(review, [Score.ok("coverage.recall", 0.0, "0 of 0")], None)
    with pytest.raises(AssertionError, match="without evidence"):
        _no_silent_zero(bare_zero)
    _no_silent_zero(Outcome(review, [Score.ok("coverage.recall", 0.0, "0 of 5", reference_papers=5)], None))
    heading = Outcome(review, [Score.ok("coverage.heading_soft_recall", 0.9, "soft cardinality over MiniLM")], None)
    assert not _flagged(heading, "over")
    assert _flagged(heading, "over", scores=("coverage.heading_soft_recall",))


# --------------------------------------------------------------------------------------------------------------
# the CLI: exit code 2 and one "error:" line, no traceback
# --------------------------------------------------------------------------------------------------------------

_CLI_CASES = [
    ("config-unknown-kind", "generators:\n  - {name: g, kind: telepathy}\n", "generators.0.kind"),
    ("config-bad-yaml", "name: x\ngenerators: [\n  - {name: a\n", "YAML"),
    ("config-unknown-task", "tasks: [no-such-task]\n" + _GEN_OK, "no-such-task"),
]


@pytest.mark.timeout(120)
def test_cli_reports_bad_config_as_one_line(tmp_path: Path) -> None:
    """`python -m harness.cli run BAD.yaml`: exit 2, a single 'error:' line naming the file and field."""
    env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    for name, text, want in _CLI_CASES:
        cfg = _config_file(tmp_path, text, f"{name}.yaml")
        proc = subprocess.run([sys.executable, "-m", "harness.cli", "run", str(cfg)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=90)
        err = proc.stderr.strip()
        assert proc.returncode == 2, f"{name}: exit {proc.returncode}\nstdout={proc.stdout}\nstderr={err[-2000:]}"
        assert "Traceback" not in err, f"{name}: traceback printed:\n{err[-2000:]}"
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), f"{name}: not one error line: {err!r}"
        assert cfg.name in lines[0] and want in lines[0], f"{name}: {lines[0]}"


@pytest.mark.timeout(60)
def test_cli_runner_surfaces_harness_error(tmp_path: Path) -> None:
    """Through typer's CliRunner on the app, a bad config ends in a HarnessError (which main() prints)."""
    from typer.testing import CliRunner

    from harness.cli import app

    cfg = _config_file(tmp_path, "generators:\n  - {name: g, kind: extractive}\nconcurrency: {global: -1}\n")
    result = CliRunner().invoke(app, ["run", str(cfg)])
    assert result.exit_code != 0
    exc = result.exception
    if isinstance(exc, SystemExit):  # the command printed the error itself and exited 2
        assert result.exit_code == 2
        assert "concurrency.global" in (result.output + (getattr(result, "stderr", "") or ""))
    else:
        assert isinstance(exc, HarnessError), f"{type(exc).__name__}: {exc}"
        assert exc.field == "concurrency.global" and cfg.name in str(exc)


# ---- issue 14: CLI usage errors and messages ---------------------------------------------------------------


@pytest.mark.timeout(120)
def test_cli_empty_scorer_list_is_an_error(tmp_path: Path) -> None:
    """`--scorers ,` names no family: an error, not an empty result with exit 0 (score and rescore)."""
    from typer.testing import CliRunner

    from harness.cli import app

    task = _task_file(tmp_path, small_task("out-task", "graph neural networks"), "out-task.json")
    review = _output_file(tmp_path, _BODY3)
    run = _run_files(tmp_path)
    for args in (["score", str(review), "--task", str(task), "--scorers", ","],
                 ["rescore", str(run), "--scorers", " , "]):
        result = CliRunner().invoke(app, args)
        exc = result.exception
        assert isinstance(exc, HarnessError), f"{args[0]}: exit {result.exit_code}: {result.output[-500:]}"
        assert "no scorer family given" in str(exc) and "\n" not in str(exc), str(exc)


@pytest.mark.timeout(120)
def test_cli_task_export_bad_line_is_one_line_without_progress_bars(tmp_path: Path) -> None:
    """`harness tasks validate tasks.jsonl`: the bad line by number, nothing else on stderr (no datasets bars)."""
    good = json.dumps(small_task("ok-one", "graph neural networks"))
    export = _export(tmp_path, good, good.replace('"ok-one"', '"ok-two"'), '{"id": "broken", "topic": ')
    proc = subprocess.run([sys.executable, "-m", "harness.cli", "tasks", "validate", str(export)], cwd=tmp_path,
                          env={**os.environ, "HARNESS_CACHE_DIR": str(tmp_path / "cache")}, capture_output=True,
                          text=True, timeout=90)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith(f"error: {export}:3") and "row 2" in lines[0], lines[0]
    assert "Generating" not in proc.stderr and "DatasetGenerationError" not in proc.stderr


def test_error_messages_are_one_line_without_pydantic_wording() -> None:
    """A validator's ValueError loses pydantic's "Value error, " prefix; multi-line text and URLs never print."""
    from pydantic import BaseModel, ValidationError, field_validator

    from harness.core.errors import pydantic_errors

    class Thing(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def _plain(cls, v: str) -> str:
            raise ValueError("the name is taken;\n  choose another")

    with pytest.raises(ValidationError) as info:
        Thing(name="x")
    text = str(pydantic_errors(info.value, "thing.yaml", "name: x\n"))
    assert text == "thing.yaml:1, field 'name': the name is taken; choose another", text
    assert str(HarnessError("line one\nline two", path="f.json", line=3)) == "f.json:3: line one line two"


# ---- issue 28: batches go on, gates and destructive commands stop, failures are not exit 0 -------------------


def _cli(args: list[str], tmp: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m harness.cli ARGS` off a terminal (stdin a pipe), as in CI or a script."""
    full_env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp / "cache"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=tmp, env=full_env, input=stdin or "",
                          capture_output=True, text=True, timeout=150)


def _errors(proc: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]


@pytest.mark.timeout(200)
@pytest.mark.parametrize("command", ["score", "inspect"])
def test_cli_batch_with_a_bad_file_scores_the_rest_and_exits_2(command: str, tmp_path: Path) -> None:
    """Item 6: a binary file among good ones is one error line; every readable file is still handled; exit 2."""
    task = _task_file(tmp_path, small_task("out-task", "graph neural networks"), "out-task.json")
    good_a, good_b = _output_file(tmp_path, _BODY3, "a.md"), _output_file(tmp_path, _BODY3, "c.md")
    binary = _output_file(tmp_path, b"\x00\xff\xfe\x00binary\x89PNG\x00" * 20, "b.md")
    args = [command, str(good_a), str(binary), str(good_b), "--task", str(task), "--json"]
    if command == "score":
        args += ["--scorers", "length,structure"]
    proc = _cli(args, tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    out = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert [o["path"] for o in out] == [str(good_a), str(good_b)], proc.stdout[-1000:]
    errors = _errors(proc)
    assert len(errors) == 2 and binary.name in errors[0] and "1 of 3 files" in errors[1], errors


@pytest.mark.timeout(120)
def test_cli_cache_clear_from_a_pipe_needs_yes(tmp_path: Path) -> None:
    """Item 7: `echo n | harness cache clear` deletes nothing and says --yes is needed (exit 2)."""
    from harness.generators.base import LLMRequest, LLMResponse
    from harness.llm.cache import ResponseCache, request_key

    request = LLMRequest(model="openai/fake", stage="write", messages=[{"role": "user", "content": "hi"}])
    with ResponseCache(tmp_path / "cache" / "responses.sqlite") as cache:
        cache.put(request_key(request), request, LLMResponse(text="hello"))
    proc = _cli(["cache", "clear"], tmp_path, stdin="n\n")
    errors = _errors(proc)
    assert proc.returncode == 2 and len(errors) == 1 and "--yes" in errors[0], proc.stderr
    assert "1 entries" in _cli(["cache", "stats"], tmp_path).stdout


@pytest.mark.timeout(200)
def test_cli_verify_refs_with_every_lookup_failing_exits_4_with_a_summary(tmp_path: Path) -> None:
    """Item 8: services that never answer -> exit 4 (lookups failed), a summary line per file, classes kept."""
    import socket

    with socket.socket() as s:  # a port nothing listens on: every lookup is a connection error
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    review = _output_file(tmp_path, "# R\n\nA [1]. B [2].\n\n## References\n\n[1] Imaginary Transformers "
                                    "arXiv:2309.17777\n[2] Nonexistent Study. https://doi.org/10.9999/nope\n")
    env = {"HARNESS_ARXIV_API": dead + "/arxiv", "HARNESS_CROSSREF_API": dead + "/crossref",
           "HARNESS_OPENALEX_API": dead + "/openalex"}
    proc = _cli(["verify-refs", str(review), "--cache-dir", str(tmp_path), "--json"], tmp_path, env=env)
    assert proc.returncode == 4, (proc.returncode, proc.stderr[-2000:])
    line = json.loads(proc.stdout.strip().splitlines()[-1])
    assert line["summary"] == {"verified": 0, "not_found": 0, "lookup_failed": 2, "not_looked_up": 0}, line
    assert f"{review}: 2 looked up: 0 verified, 0 not found, 2 lookup failed" in proc.stderr, proc.stderr
    assert "2 lookups failed" in _errors(proc)[-1]


@pytest.mark.timeout(200)
def test_cli_compare_stops_on_garbage_appended_to_generations(tmp_path: Path) -> None:
    """Item 9: a gate on a run whose generations.jsonl has garbage appended: exit 2, one line naming file:line."""
    base = _run_files(tmp_path / "base")
    cand = _run_files(tmp_path / "cand")
    gens = cand / "generations.jsonl"
    n_lines = len(gens.read_bytes().splitlines())
    with open(gens, "ab") as fh:
        fh.write(b"\x00garbage {not json\n")
    proc = _cli(["compare", str(base), str(cand)], tmp_path)
    errors = _errors(proc)
    assert proc.returncode == 2 and len(errors) == 1, proc.stdout[-1000:] + proc.stderr[-1000:]
    assert f"{gens}:{n_lines + 1}" in errors[0] and "unreadable line" in errors[0], errors[0]
