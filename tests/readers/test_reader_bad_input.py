"""Bad input gives a clear HarnessError naming the file, or a Review with zero counts and a warning."""

from __future__ import annotations

import json
import random
import string

import pytest

from harness.core.errors import HarnessError
from harness.readers import read_review


def test_empty_file_is_an_empty_review_with_warning(tmp_path):
    path = tmp_path / "empty.md"
    path.write_text("")
    review = read_review(path)
    assert review.text == "" and not review.citations and not review.references
    assert review.warnings == ["empty file"]


def test_binary_file_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(HarnessError, match="looks binary") as exc:
        read_review(path)
    assert "model.bin" in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(HarnessError, match="file not found"):
        read_review(tmp_path / "nope.md")


def test_ten_megabytes_of_random_text_parses(tmp_path):
    rng = random.Random(0)
    alphabet = string.ascii_letters + string.digits + "     .,;[]()-#*@_\n"
    path = tmp_path / "noise.txt"
    path.write_text("".join(rng.choices(alphabet, k=10_000_000)))
    review = read_review(path)
    assert review.source_format == "markdown"
    assert len(review.text) > 9_000_000


def test_markdown_without_references_warns(tmp_path):
    path = tmp_path / "plain.md"
    path.write_text("# Title\n\nSome prose without any list. It cites nothing.\n")
    review = read_review(path)
    assert review.references == [] and review.citations == []
    assert "no reference list found" in review.warnings


def test_broken_numbering_warns(tmp_path):
    path = tmp_path / "broken.md"
    path.write_text("Text [1], [3].\n\n## References\n\n[1] First paper\n[3] Third paper\n[3] Third again\n")
    review = read_review(path)
    assert [e.key for e in review.references] == ["1", "3", "3"]
    assert "reference numbers repeated: 3" in review.warnings
    assert "reference numbering has gaps: missing 2" in review.warnings


def test_malformed_json_names_file_and_line(tmp_path):
    path = tmp_path / "out.json"
    path.write_text('{"survey": "x",\n  "reference": {1: 2}}')
    with pytest.raises(HarnessError, match="invalid JSON") as exc:
        read_review(path)
    assert exc.value.path.endswith("out.json") and exc.value.line == 2


def test_json_in_no_known_format(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(HarnessError, match="no known format"):
        read_review(path)


def test_unknown_forced_format(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("x")
    with pytest.raises(HarnessError, match="unknown format 'pdf'"):
        read_review(path, format="pdf")
