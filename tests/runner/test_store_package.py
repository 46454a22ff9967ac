"""harness.runner.store is a package split by job; the names callers imported from the old module still import
from it, and they are the precise modules' own objects (one definition each)."""

from __future__ import annotations

import harness.runner.store as store
from harness.runner.store import jsonl, layout, reader, scores, writer

# every name imported from harness.runner.store before the split (package, tests, scripts, README) -> its module
HOMES = {
    layout: ["ERRORS", "GENERATIONS", "MANIFEST", "RUN_LOG", "SCORES", "SCORES_LOG", "USAGE"],
    jsonl: ["iter_jsonl", "read_jsonl_lenient"],
    reader: ["load_manifest", "read_errors", "read_generations", "read_manifest", "read_run_config", "read_usage",
             "scored_generation"],
    scores: ["SCORE_SCHEMA", "read_scores", "read_scores_checked"],
    writer: ["RunStore"],
}


def test_the_old_names_import_from_the_package_and_are_the_modules_objects() -> None:
    for module, names in HOMES.items():
        for name in names:
            assert name in store.__all__, name
            assert getattr(store, name) is vars(module)[name], name
    for module in (jsonl, reader, scores, writer):  # each is defined in one module only, the others import it
        for name in module.__all__:
            assert getattr(vars(module)[name], "__module__", module.__name__) == module.__name__, name


def test_the_writer_keeps_what_it_writes_readable_by_the_readers(tmp_path) -> None:
    from harness.cells import Cell
    from harness.generators.base import Generation
    from harness.models import Score

    run = writer.RunStore(tmp_path)
    cell = Cell(task_id="t", generator="g", seed=0)
    run.append_generation(cell, Generation(task_id="t", generator="g", seed=0, error="boom"))
    run.append_scores(cell, [Score(name="length.words", value=3.0, status="ok", explanation="")])
    run.close()
    assert list(reader.read_generations(tmp_path)) == [cell]
    assert reader.generation_counts(tmp_path) == {cell.key: 1}
    table = scores.read_scores(tmp_path)
    assert table["score"].to_list() == ["length.words"] and table["value"].to_list() == [3.0]


def test_opening_a_run_removes_only_the_temp_files_a_killed_atomic_write_left(tmp_path) -> None:
    (tmp_path / "scores.parquet").write_bytes(b"whole")
    left = tmp_path / ".scores.parquet.0c1f085a45ef.tmp"  # open_temp's name: a replacement killed mid-write
    left.write_bytes(b"half")
    kept = [tmp_path / "notes.tmp", tmp_path / ".scores.parquet.tmp", tmp_path / ".x.0C1F085A45EF.tmp"]
    for path in kept:
        path.write_text("the user's")
    writer.RunStore(tmp_path).close()
    assert not left.exists() and (tmp_path / "scores.parquet").read_bytes() == b"whole"
    assert all(path.exists() for path in kept)


def test_the_stores_cell_states_while_appending_are_what_its_files_say(tmp_path) -> None:
    """completed_cells / has_failed_cells are kept in memory as lines are appended (no re-read of the file): a
    failed cell, then its retry, then a cached line, give the states a new store reads back from disk."""
    import asyncio

    from harness.cells import Cell
    from harness.generators.base import Generation
    from harness.models import Review

    ok, bad = Cell(task_id="t", generator="g", seed=0), Cell(task_id="t", generator="g", seed=1)
    good = Generation(task_id="t", generator="g", seed=0, review=Review(source_format="markdown", text="A review."))
    run = writer.RunStore(tmp_path)
    assert run.completed_cells() == set() and not run.has_failed_cells()
    run.append_generation(bad, Generation(task_id="t", generator="g", seed=1, error="boom"))
    line = asyncio.run(run.append_generation_async(ok, good))
    assert run.completed_cells() == {ok} and run.has_failed_cells()
    cached = line.decode().replace(ok.key, bad.key).replace('"seed":0', '"seed":1')  # the cell's own cached line
    asyncio.run(run.append_generation_line_async(bad, cached))
    assert run.completed_cells() == {ok, bad} and not run.has_failed_cells()
    run.close()
    again = writer.RunStore(tmp_path)
    assert again.completed_cells() == {ok, bad} and not again.has_failed_cells()
    assert reader.generation_state(tmp_path) == ({ok.key: 1, bad.key: 2}, {ok.key: True, bad.key: True})
    again.close()


def test_copied_lines_are_written_on_the_loop_and_paid_for_lines_fsynced_off_it(tmp_path, monkeypatch) -> None:
    """A reused cell's line needs no fsync (the cache holds it durably), so it is written without a thread hop;
    a batch holding a generated line waits on its fsync in a worker thread, off the event loop."""
    import asyncio
    import threading

    from harness.cells import Cell
    from harness.generators.base import Generation
    from harness.models import Review

    writes: list[tuple[str, bool]] = []
    real = writer.RunStore._commit

    def commit(self, data: bytes, sync: bool = True) -> None:
        writes.append((threading.current_thread().name, sync))
        real(self, data, sync)

    monkeypatch.setattr(writer.RunStore, "_commit", commit)
    cell = Cell(task_id="t", generator="g", seed=0)
    good = Generation(task_id="t", generator="g", seed=0, review=Review(source_format="markdown", text="A review."))
    run = writer.RunStore(tmp_path)
    line = asyncio.run(run.append_generation_async(cell, good))
    asyncio.run(run.append_generation_line_async(cell, line.decode()))
    run.close()
    main = threading.main_thread().name
    assert writes[0][0] != main and writes[0][1] and writes[1] == (main, False)
    assert reader.generation_counts(tmp_path) == {cell.key: 2}
