"""Reports of a run: Markdown / LaTeX tables with bootstrap CIs, plots, and a self-contained HTML report.

`build` writes them; `load` and `join` read runs; `assemble` computes every table and figure once; `documents`
(Markdown, LaTeX) and `html` render them.
"""

from harness.report.build import DEFAULT_FORMATS, FORMATS, build_report, default_out_dir, parse_formats
from harness.report.costs import cost_from_generations

__all__ = ["DEFAULT_FORMATS", "FORMATS", "build_report", "cost_from_generations", "default_out_dir",
           "parse_formats"]
