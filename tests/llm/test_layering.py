"""harness.llm sits below every caller of a model: checked from the source, as issue 29 states the goals."""

from __future__ import annotations

import ast
from pathlib import Path

import harness

PACKAGE = Path(harness.__file__).resolve().parent
LLM = PACKAGE / "llm"
ALLOWED = ("harness.core", "harness.models", "harness.llm")


def _imports(path: Path) -> list[str]:
    """Every module a file imports, at module level or inside functions."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return out


def test_the_llm_layer_imports_nothing_above_it():
    above = {(p.name, m) for p in LLM.glob("*.py") for m in _imports(p)
             if (m == "harness" or m.startswith("harness.")) and not m.startswith(ALLOWED)}
    assert above == set(), f"harness.llm reaches up: {sorted(above)}"


def test_the_guarded_litellm_import_is_called_only_inside_the_layer():
    users = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if LLM not in p.parents and "_litellm" in p.read_text())
    assert users == []


def test_nothing_outside_the_layer_imports_litellm_unguarded():
    """litellm must be imported after LITELLM_LOCAL_MODEL_COST_MAP is set and before tiktoken: only the layer does."""
    users = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if LLM not in p.parents
                   and any(m == "litellm" or m.startswith("litellm.") for m in _imports(p)))
    assert users == []


def _code_strings(path: Path) -> list[str]:
    """The string constants a file's code holds (docstrings, which only show examples, left out)."""
    tree = ast.parse(path.read_text())
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docs]


def test_the_local_model_string_is_written_once():
    literal = "local/" + "gemma-3-270m"
    places = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                    for s in _code_strings(p) if literal in s)
    assert places == ["llm/types.py"]
