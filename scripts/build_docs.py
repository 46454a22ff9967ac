"""Rebuild the generated parts of docs/ from the code's own declarations; `--check` exits 1 when they drift.

    python scripts/build_docs.py [--check]

Metrics come from the scorer family registry (`harness.scorers.family.families()`: each score's name, direction,
one-line explanation and judge), readers from `harness.readers.FORMATS`, config fields from the pydantic models
under `harness.config.ExperimentConfig` (`model_fields`: name, type, default, description). Each generated part
sits between `<!-- generated:NAME:start -->` and `<!-- generated:NAME:end -->` in its docs file; the prose around
it is written by hand and left alone.
"""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path
from typing import Literal, Union, get_args, get_origin

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pydantic import BaseModel  # noqa: E402
from pydantic_core import PydanticUndefined  # noqa: E402

import harness.scorers  # noqa: E402,F401  (registers the built-in families)
from harness.config import ExperimentConfig  # noqa: E402
from harness.core.fileio import atomic_write  # noqa: E402
from harness.readers import FORMATS  # noqa: E402
from harness.scorers.family import families  # noqa: E402

ARROW = {"higher": "↑ higher", "lower": "↓ lower", "none": "– none"}
TRUST = "judges.md#how-far-to-trust-each-metric"  # the judge cards' table (scripts/trust_table.py)


def cell(text: object) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def metrics_section() -> str:
    """One table per registered scorer family: score, better, judge (linked to its cards), what it measures."""
    out = []
    for fam in sorted(families().values(), key=lambda f: f.name):
        out += [f"### `{fam.name}`{' (calls an LLM)' if fam.calls_provider else ''}", "", cell(fam.description), "",
                "| score | better | judge | what it measures |", "|---|---|---|---|"]
        for name, way in {**fam.scores, **fam.patterns}.items():
            judge = f"[{fam.judge(name)}]({TRUST})" if fam.judge(name) else ""
            out.append(f"| `{name}` | {ARROW[way]} | {judge} | {cell(fam.about.get(name, ''))} |")
        out.append("")
    return "\n".join(out).rstrip()


def readers_section() -> str:
    """The registered reader formats: name and what it reads."""
    rows = [f"| `{r.name}` | {cell(r.description)} |" for r in FORMATS.values()]
    return "\n".join(["| format (`--format`) | what it reads |", "|---|---|", *rows])


def type_name(t: object) -> str:
    """A field's annotation as a reader writes it: `str | None`, `list[int]`, `'local' | 'ray'`."""
    origin, args = get_origin(t), get_args(t)
    if t is type(None):
        return "None"
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if origin in (Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is not None:
        return f"{getattr(origin, '__name__', origin)}[{', '.join(type_name(a) for a in args)}]"
    return getattr(t, "__name__", str(t))


def nested_model(t: object) -> type[BaseModel] | None:
    """The pydantic model a field holds (directly, optionally or as list items), else None."""
    if isinstance(t, type) and issubclass(t, BaseModel):
        return t
    return next((m for m in map(nested_model, get_args(t)) if m is not None), None)


def config_rows(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Rows of every field of a model and of the models it nests, as dotted YAML paths."""
    rows = []
    for name, f in model.model_fields.items():
        key = prefix + (f.alias or name)
        sub = nested_model(f.annotation)
        if f.is_required():
            default = "required"
        elif f.default_factory is not None:
            default = "see below" if sub and not get_origin(f.annotation) else f"`{f.default_factory()!r}`"
        else:
            default = f"`{f.default!r}`" if f.default is not PydanticUndefined else ""
        rows.append(f"| `{key}` | `{cell(type_name(f.annotation))}` | {default} | {cell(f.description or '')} |")
        if sub is not None:
            is_list = get_origin(f.annotation) is list
            rows += config_rows(sub, key + ("[]." if is_list else "."))
    return rows


def config_section() -> str:
    """The experiment config's fields, nested models included."""
    return "\n".join(["| field | type | default | description |", "|---|---|---|---|", *config_rows(ExperimentConfig)])


SECTIONS = {"metrics": ("docs/metrics.md", metrics_section), "readers": ("docs/readers.md", readers_section),
            "config": ("docs/config.md", config_section)}


def render(text: str, name: str, body: str) -> str:
    """The text with its generated part NAME replaced by body (ValueError when the markers are missing)."""
    start, end = f"<!-- generated:{name}:start -->", f"<!-- generated:{name}:end -->"
    if start not in text or end not in text:
        raise ValueError(f"markers {start} ... {end} not found")
    head, rest = text.split(start, 1)
    return f"{head}{start}\n{body}\n{end}{rest.split(end, 1)[1]}"


def build(root: Path = REPO, check: bool = False) -> list[str]:
    """Rewrite (or with check, only compare) each generated part under root; the files that differ."""
    drifted = []
    for name, (rel, make) in SECTIONS.items():
        path = root / rel
        old = path.read_text(encoding="utf-8")
        new = render(old, name, make())
        if new != old:
            drifted.append(rel)
            if not check:
                atomic_write(path, new)
    return drifted


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 when a generated part is stale")
    args = ap.parse_args(argv)
    drifted = build(check=args.check)
    for rel in drifted:
        print(f"{rel}: {'out of date: run python scripts/build_docs.py' if args.check else 'rewritten'}")
    return 1 if args.check and drifted else 0


if __name__ == "__main__":
    sys.exit(main())
