"""The lazy registry: string entries import on first use, a name held by other code is an error."""

import pytest

from harness.core.errors import HarnessError
from harness.core.registry import Registry
from harness.scorers.judge_methods import RELEVANCE_METHODS, SUPPORT_METHODS


def test_lazy_entry_imports_on_get():
    reg: Registry = Registry("thing")
    reg.add("join", "os.path:join")
    import os.path

    assert reg.get("join") is os.path.join


def test_unknown_name_lists_the_registered_ones():
    reg: Registry = Registry("thing", field="x.method")
    reg.add("a", "os.path:join")
    with pytest.raises(HarnessError, match="unknown thing 'b'") as e:
        reg.get("b")
    assert e.value.field == "x.method" and "a" in (e.value.hint or "")


def test_same_name_from_other_code_is_an_error():
    reg: Registry = Registry("thing")
    reg.add("a", "os.path:join")
    reg.add("a", "os.path:join")  # the same entry again is fine
    with pytest.raises(HarnessError, match="registered twice"):
        reg.add("a", "os.path:split")


def test_builtin_judge_methods_resolve():
    assert {"similarity", "nli", "llm"} <= set(SUPPORT_METHODS.names())
    assert SUPPORT_METHODS.get("similarity").name == "similarity"
    assert "not whether" in SUPPORT_METHODS.get("similarity").measures  # named for what it measures
    assert RELEVANCE_METHODS.get("title_similarity").name == "title_similarity"
