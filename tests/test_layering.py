"""The package's layering goals of issue 29, checked from source by scripts/layering.py, and the checker itself
on a small package written here with one cycle, one lazy import and one long function."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def layering():
    spec = importlib.util.spec_from_file_location("layering_script", REPO / "scripts" / "layering.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_checker_finds_a_lazy_cycle_an_inner_import_and_a_long_function(layering, tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Re-exports only."""\n')
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\nimport json\n")
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    (pkg / "sub" / "b.py").write_text(f"def late():\n    from pkg import a\n{body}\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n")
    found = layering.analyse(pkg)
    assert found.cycles() == [["pkg.a", "pkg.sub.b"]]  # the lazy import closes it; TYPE_CHECKING makes no edge
    assert found.imports == 3 and found.inner == [("pkg.sub.b", "pkg.a")]  # json is not the package's
    assert found.long_functions == [(62, "pkg.sub.b", "late")]


def test_package_has_no_import_cycles(layering) -> None:
    assert layering.analyse(REPO / "harness").cycles() == []


def test_at_most_12_percent_of_package_imports_are_made_inside_functions(layering) -> None:
    found = layering.analyse(REPO / "harness")
    assert found.inner_share <= 0.12, f"{len(found.inner)} of {found.imports} ({found.inner_share:.1%})"


def test_no_function_is_over_60_lines(layering) -> None:
    assert layering.analyse(REPO / "harness").long_functions == []
