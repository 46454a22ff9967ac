"""Measure the package's layering from source (issue 29): import cycles, imports made inside functions, long functions.

Every `import` / `from ... import` of the package's own modules is counted, lazy ones (inside functions) included;
imports under `if TYPE_CHECKING:` are counted but make no edge, since they never run. A name imported from a
package resolves to the submodule when one of that name exists, else to the package itself (its `__init__`).
Cycles are the strongly connected components of the module graph with more than one module.

    .venv/bin/python scripts/layering.py [harness] [--edges] [--inner]
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

FUNCTION_LIMIT = 60  # lines, decorators excluded, docstring included


@dataclass
class Layering:
    """What the analysis found; `inner` lists (importer, imported) pairs of imports made inside functions."""

    modules: dict[str, Path]
    imports: int = 0
    inner: list[tuple[str, str]] = field(default_factory=list)
    edges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    long_functions: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def inner_share(self) -> float:
        return len(self.inner) / self.imports if self.imports else 0.0

    def cycles(self) -> list[list[str]]:
        return [sorted(c) for c in _components(self.modules, self.edges) if len(c) > 1]


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under the package directory `root`."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _targets(node: ast.AST, module: str, is_package: bool, modules: dict[str, Path]) -> list[str]:
    """The package modules an import statement names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = module.split(".") if is_package else module.split(".")[:-1]
        if node.level:
            base = base[: len(base) - (node.level - 1)]
            stem = ".".join(base + ([node.module] if node.module else []))
        else:
            stem = node.module or ""
        names = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules else stem for a in node.names]
    found = []
    for name in names:
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in modules and name != module:
            found.append(name)
    return found


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _walk(result: Layering, module: str, node: ast.AST, in_function: bool, typing_only: bool) -> None:
    """Count the imports and long functions below `node`."""
    is_package = result.modules[module].name == "__init__.py"
    for child in ast.iter_child_nodes(node):
        is_function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
        if is_function and child.end_lineno - child.lineno + 1 > FUNCTION_LIMIT:
            result.long_functions.append((child.end_lineno - child.lineno + 1, module, child.name))
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            for target in _targets(child, module, is_package, result.modules):
                result.imports += 1
                if in_function:
                    result.inner.append((module, target))
                if not typing_only:
                    result.edges[module].add(target)
        _walk(result, module, child, in_function or is_function, typing_only or _is_type_checking(child))


def analyse(root: Path) -> Layering:
    """The layering of the package whose directory is `root`."""
    result = Layering(module_names(root))
    for module, path in result.modules.items():
        _walk(result, module, ast.parse(path.read_text(), str(path)), False, False)
    return result


def _components(nodes, edges) -> list[list[str]]:
    """Tarjan's strongly connected components, iterative (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(component)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(Path(__file__).resolve().parents[1] / "harness"))
    parser.add_argument("--edges", action="store_true", help="print the edges inside each cycle")
    parser.add_argument("--inner", action="store_true", help="print the imports made inside functions")
    args = parser.parse_args(argv)
    result = analyse(Path(args.package))
    print(f"modules {len(result.modules)}, in-package imports {result.imports}, inside functions "
          f"{len(result.inner)} ({result.inner_share:.1%})")
    cycles = result.cycles()
    print(f"import cycles {len(cycles)}")
    for cycle in cycles:
        print(f"  {len(cycle)}: {' '.join(cycle)}")
        for module in cycle if args.edges else ():
            print(f"    {module} -> {' '.join(sorted(result.edges[module] & set(cycle)))}")
    print(f"functions over {FUNCTION_LIMIT} lines {len(result.long_functions)}")
    for lines, module, name in sorted(result.long_functions, reverse=True):
        print(f"  {lines} {module}.{name}")
    for (importer, imported), n in Counter(result.inner).most_common() if args.inner else ():
        print(f"  inner {n} {importer} -> {imported}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
