"""Replay: recorded outputs (any reader format) mapped to tasks by file name, aliases or a manifest."""

from __future__ import annotations

import asyncio
import json

import pytest

from harness.core.errors import HarnessError
from harness.generators import build_generator
from harness.generators.base import GeneratorSpec

ALIASES = {"rag-llm": "rag-llm-survey", "hallucination-nlg": "llm-hallucination-survey",
           "visual-transformer": "vision-transformers"}


def _replay(source, **params):
    return build_generator(GeneratorSpec(name="replay", kind="replay", replay=str(source), params=params))


def test_replay_maps_shipped_outputs_by_alias_and_reads_them(shared_dir, suite):
    gen = _replay(shared_dir / "data/outputs/surge-id", aliases=ALIASES)
    assert set(gen.files) >= {"rag-llm-survey", "llm-hallucination-survey"}
    out = asyncio.run(gen.generate(suite["rag-llm-survey"], 0, None))
    assert out.error is None and out.review is not None
    assert out.review.references and out.review.citations


def test_replay_glob_picks_one_format_of_a_topic(shared_dir, suite):
    gen = _replay(shared_dir / "data/outputs/surge-autosurvey/*.json", aliases=ALIASES)
    out = asyncio.run(gen.generate(suite["rag-llm-survey"], 0, None))
    assert out.review.source_format == "autosurvey-json"


def test_two_files_for_one_task_need_a_manifest(shared_dir):
    with pytest.raises(HarnessError, match="two replay files map to task"):
        _replay(shared_dir / "data/outputs/surge-autosurvey", aliases=ALIASES)


def test_manifest_maps_tasks_to_files_and_carries_usage_from_the_file(tmp_path, seed_path, suite):
    (tmp_path / "seed.txt").write_text(seed_path.read_text())
    (tmp_path / "manifest.json").write_text(json.dumps({"stfm-since-2024": "seed.txt"}))
    gen = _replay(tmp_path)
    out = asyncio.run(gen.generate(suite["stfm-since-2024"], 0, None))
    assert out.review.source_format == "litreview-report"
    assert out.review.usage is not None and out.review.usage.output_tokens == 10192


def test_a_task_without_a_recording_is_an_error_generation(shared_dir, suite):
    gen = _replay(shared_dir / "data/outputs/surge-id", aliases=ALIASES)
    out = asyncio.run(gen.generate(suite["graph-neural-networks"], 0, None))
    assert out.review is None and "no recorded output" in out.error and out.flags == ["missing_replay"]


def test_bad_replay_sources_are_clear_errors(tmp_path):
    with pytest.raises(HarnessError, match="matches no files"):
        _replay(tmp_path / "nothing*.md")
    (tmp_path / "manifest.yaml").write_text("- just a list\n")
    with pytest.raises(HarnessError, match="must map task ids"):
        _replay(tmp_path)


def test_replay_reads_one_storm_folder_per_task_through_a_manifest_or_by_name(tmp_path, suite):
    import shutil
    from pathlib import Path

    storm = Path(__file__).parents[1] / "readers" / "fixtures" / "storm_taylor_hawkins"
    shutil.copytree(storm, tmp_path / "runs" / "hawkins")
    (tmp_path / "runs" / "manifest.yaml").write_text("stfm-since-2024: hawkins\n")
    out = asyncio.run(_replay(tmp_path / "runs").generate(suite["stfm-since-2024"], 0, None))
    assert out.error is None and out.review.source_format == "storm" and len(out.review.references) == 5
    shutil.copytree(storm, tmp_path / "by_name" / "stfm-since-2024")
    gen = _replay(tmp_path / "by_name")
    assert set(gen.files) == {"stfm-since-2024"}
    (tmp_path / "runs" / "manifest.yaml").write_text("stfm-since-2024: missing-folder\n")
    with pytest.raises(HarnessError, match="missing file or folder for task 'stfm-since-2024'"):
        _replay(tmp_path / "runs")
