"""Loading the shipped suite, and clear errors (file, field, line) for malformed task files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness.core.errors import HarnessError
from harness.models import normalize_arxiv_id
from harness.tasks.suite import get_task, load_suite, load_task_dataset, load_task_file, task_counts

REPO = Path(__file__).resolve().parents[2]
TASKS = REPO / "tasks"
EIGHT = ["generative-diffusion-survey", "llm-autonomous-agents-survey", "llm-evaluation-survey",
         "llm-hallucination-survey", "lm-timeseries-spatiotemporal", "multimodal-llm-survey", "rag-llm-survey",
         "stfm-since-2024"]
SURVEYBENCH_ONLY = ["3d-gaussian-splatting", "3d-object-detection-driving", "graph-neural-networks",
                    "vision-transformers"]
HUMAN_SURVEY_ONLY = ["agentic-rl-survey", "llm-alignment-survey", "llm-efficient-inference-survey",
                     "llm-explainability-survey", "llm-recommendation-survey", "llm-time-series-survey",
                     "rl-reasoning-models-survey", "llm-safety-survey", "scientific-llm-survey", "vla-models-survey"]


@pytest.fixture(scope="module")
def suite():
    return load_suite(TASKS)


def tiny_task() -> dict:
    """The smallest valid task: two papers, one in the bibliography, both in the pool."""
    return {
        "id": "tiny", "topic": "A tiny topic.",
        "target_words": {"min": 100, "max": 200}, "target_references": {"min": 1, "max": None},
        "reference_survey": {"title": "A Survey"},
        "papers": [{"id": "p1", "title": "Paper one"}, {"id": "p2", "title": "Paper two"}],
        "reference_papers": ["p1"],
        "pool": [{"paper_id": "p1", "role": "reference"}, {"paper_id": "p2", "role": "off-topic"}],
    }


def write_json(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj, indent=1), encoding="utf-8")
    return path


def error_of(path: Path) -> HarnessError:
    with pytest.raises(HarnessError) as info:
        load_task_file(path)
    return info.value


# --- the shipped suite ---------------------------------------------------------------------------------------

def test_suite_has_the_twenty_two_tasks(suite):
    assert sorted(suite) == sorted(EIGHT + SURVEYBENCH_ONLY + HUMAN_SURVEY_ONLY)
    assert len(suite) == 22


def test_every_task_validates_and_matches_its_hash(suite):
    for task in suite.values():
        assert task.content_hash == task.compute_hash()
        assert len(task.pool) == 60
        assert len({i.paper_id for i in task.pool}) == 60


def test_headline_task_keeps_seed_targets_and_alternates(suite):
    t = suite["stfm-since-2024"]
    assert (t.target_words.min, t.target_words.max) == (4500, 5500)
    assert t.since == 2024
    assert t.reference_survey.arxiv_id == "2506.01364"
    assert len(t.reference_papers) == 143
    assert sum(1 for pid in t.reference_papers if t.paper(pid).arxiv_id) == 88
    assert [s.arxiv_id for s in t.alternate_reference_surveys][:2] == ["2503.13502", "2501.09045"]
    assert t.provenance["alternate_reference_surveys_extra"][0]["venue"] == "KDD 2025"


def test_surveybench_topics_are_kept_verbatim(suite, shared_dir):
    topics = [x for x in (shared_dir / "data/surveybench/topics.txt").read_text().splitlines() if x.strip()]
    assert sorted(t.surveybench_topic for t in suite.values() if t.surveybench_topic) == sorted(topics)
    assert suite["llm-autonomous-agents-survey"].surveybench_topic == "LLM-based Multi-Agent"
    for tid in ("stfm-since-2024", "lm-timeseries-spatiotemporal"):
        assert suite[tid].surveybench_topic is None and suite[tid].pooled_reference_ids == []


def test_pooled_ids_are_version_stripped_arxiv_ids(suite, shared_dir):
    rag = suite["rag-llm-survey"]
    bench = json.loads((shared_dir / "data/surveybench/ref_bench/"
                        "Retrieval-Augmented Generation for Large Language Models_bench.json").read_text())
    assert rag.pooled_reference_ids == list(dict.fromkeys(normalize_arxiv_id(k) for k in bench))
    for task in suite.values():
        assert all(normalize_arxiv_id(i) == i for i in task.pooled_reference_ids)


def test_surveybench_only_tasks_invent_nothing(suite):
    for tid in SURVEYBENCH_ONLY + HUMAN_SURVEY_ONLY:
        rs = suite[tid].reference_survey
        assert rs.authors == [] and rs.year is None and rs.arxiv_id is None and rs.alternate_outline == []
    gnn = suite["graph-neural-networks"].reference_survey
    assert gnn.title == "Graph neural networks: Taxonomy, advances, and trends"


def test_own_bibliography_is_never_a_distractor(suite):
    for task in suite.values():
        for item in task.pool:
            assert (item.paper_id in task.reference_set) == (item.role == "reference"), (task.id, item)


def test_distractor_pool_papers_keep_their_abstracts(suite):
    for task in suite.values():
        for item in task.pool:
            if item.role in ("topical", "off-topic"):
                assert task.paper(item.paper_id).abstract, (task.id, item)


def test_task_counts_define_the_list_columns(suite):
    c = task_counts(suite["stfm-since-2024"])
    assert c["reference_papers"] == 143 and c["with_arxiv_id"] == 88
    assert c["pool"] == {"reference": 24, "topical": 15, "near-topic": 9, "off-topic": 12}
    assert c["with_abstract"] == 36  # 15 topical + 12 off-topic + 7 reference + 2 near-topic papers
    assert c["reference_with_abstract"] == 27 and c["reference_abstract_grades"] == {"arxiv": 25, "venue": 2}
    assert c["target_words"] == [4500, 5500] and c["surveybench_topic"] is None


def test_get_task_unknown_id_lists_known_ids():
    with pytest.raises(HarnessError) as info:
        get_task("no-such-task", TASKS)
    assert "no-such-task" in str(info.value) and "stfm-since-2024" in str(info.value)


def test_get_task_accepts_a_path(tmp_path):
    path = write_json(tmp_path / "tiny.json", tiny_task())
    assert get_task(str(path)).id == "tiny"


def test_default_dir_comes_from_env(tmp_path, monkeypatch):
    write_json(tmp_path / "tiny.json", tiny_task())
    monkeypatch.setenv("HARNESS_TASKS_DIR", str(tmp_path))
    assert list(load_suite()) == ["tiny"]


def test_missing_hash_is_filled_in(tmp_path):
    task = load_task_file(write_json(tmp_path / "tiny.json", tiny_task()))
    assert task.content_hash == task.compute_hash()


# --- malformed files -----------------------------------------------------------------------------------------

def test_dangling_pool_id_names_field_and_line(tmp_path):
    data = json.loads((TASKS / "stfm-since-2024.json").read_text())
    data["pool"][3]["paper_id"] = "not-a-paper"
    path = write_json(tmp_path / "bad.json", data)
    err = error_of(path)
    assert err.path == str(path) and err.field == "pool.3.paper_id"
    assert "'not-a-paper' is not in papers" in err.message
    assert '"not-a-paper"' in path.read_text().splitlines()[err.line - 1]


def test_dangling_reference_id_is_rejected(tmp_path):
    data = tiny_task()
    data["reference_papers"] = ["p1", "ghost"]
    err = error_of(write_json(tmp_path / "bad.json", data))
    assert err.field == "reference_papers.1" and "'ghost' is not in papers" in str(err)


def test_bad_role_names_the_pool_item_line(tmp_path):
    data = tiny_task()
    data["pool"][1]["role"] = "distractor"
    path = write_json(tmp_path / "bad.json", data)
    err = error_of(path)
    assert err.field == "pool.1.role"
    assert path.read_text().splitlines()[err.line - 1].strip() == '"role": "distractor"'


def test_missing_field_is_named(tmp_path):
    data = tiny_task()
    del data["target_words"]
    err = error_of(write_json(tmp_path / "bad.json", data))
    assert err.field == "target_words" and "missing" in err.message


def test_unknown_field_is_an_error(tmp_path):
    data = tiny_task()
    data["papers"][1]["titel"] = "typo"
    err = error_of(write_json(tmp_path / "bad.json", data))
    assert err.field == "papers.1.titel"


def test_invalid_json_gives_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n "id": "x",\n "topic": oops\n}\n')
    err = error_of(path)
    assert err.line == 3 and "column 11" in str(err) and str(path) in str(err)


def test_invalid_utf8_gives_byte_offset(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"id": "caf\xe9"}')
    err = error_of(path)
    assert "byte offset 11" in str(err) and str(path) in str(err)


def test_not_an_object(tmp_path):
    err = error_of(write_json(tmp_path / "bad.json", [tiny_task()]))
    assert "one object" in str(err)


def test_edited_file_fails_its_hash(tmp_path):
    data = json.loads((TASKS / "rag-llm-survey.json").read_text())
    data["topic"] = "something else"
    err = error_of(write_json(tmp_path / "edited.json", data))
    assert err.field == "content_hash" and "rebuild" in str(err)


def test_yaml_task_loads_and_yaml_errors_have_lines(tmp_path):
    good = tmp_path / "tiny.yaml"
    good.write_text(yaml.safe_dump(tiny_task(), sort_keys=False))
    assert load_task_file(good).id == "tiny"

    data = tiny_task()
    data["pool"][1]["paper_id"] = "ghost"
    bad = tmp_path / "bad.yml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    err = error_of(bad)
    assert err.field == "pool.1.paper_id" and "ghost" in bad.read_text().splitlines()[err.line - 1]

    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\ntopic: [unclosed\n")
    err = error_of(broken)
    assert err.line is not None and "invalid YAML" in str(err)


def test_duplicate_ids_in_a_dir(tmp_path):
    write_json(tmp_path / "a.json", tiny_task())
    write_json(tmp_path / "b.json", tiny_task())
    with pytest.raises(HarnessError) as info:
        load_suite(tmp_path)
    assert "b.json" in str(info.value) and "a.json" in str(info.value)


def test_empty_or_missing_dir(tmp_path):
    with pytest.raises(HarnessError, match="no task files"):
        load_suite(tmp_path)
    with pytest.raises(HarnessError, match="not found"):
        load_suite(tmp_path / "nope")


# --- datasets export -----------------------------------------------------------------------------------------

def test_jsonl_export_round_trips_through_datasets(suite, tmp_path):
    # one task of each shape: alternates + sections, merged with SurveyBench, SurveyBench-only, human-survey
    picked = [suite[t] for t in ("stfm-since-2024", "rag-llm-survey", "3d-gaussian-splatting", "llm-safety-survey")]
    export = tmp_path / "tasks.jsonl"
    export.write_text("".join(json.dumps(t.model_dump(mode="json")) + "\n" for t in picked))
    loaded = load_task_dataset(export)
    assert sorted(loaded) == sorted(t.id for t in picked)
    for tid, task in loaded.items():
        assert task.compute_hash() == suite[tid].content_hash


def test_dataset_row_errors_name_the_row(tmp_path):
    rows = [tiny_task(), dict(tiny_task(), id="tiny2", reference_papers=["ghost"])]
    export = tmp_path / "tasks.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(HarnessError) as info:
        load_task_dataset(export)
    assert "row 1" in str(info.value) and "ghost" in str(info.value)
