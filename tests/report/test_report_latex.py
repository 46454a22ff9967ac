"""Paper-ready LaTeX: booktabs, CIs in a smaller font, significance marks; a standalone document that pdflatex
compiles, and a tables file a paper can \\input."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.report import build_report

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(
    PDFLATEX is None, reason="pdflatex is not installed (Debian: apt-get install -y --no-install-recommends "
                             "texlive-latex-base texlive-latex-recommended)")

ODD = [{"name": "gen_1 & 50% #x", "kind": "extractive"},
       {"name": "gpt-pw", "kind": "llm", "model": "openai/gpt-4o-mini", "strategy": "plan_then_write"},
       {"name": "Ünïcode→ĝen", "kind": "extractive"}]


def _pdflatex(folder: Path, name: str) -> subprocess.CompletedProcess:
    return subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
                          cwd=folder, capture_output=True, text=True, timeout=180)


def test_latex_tables_use_booktabs_small_cis_bold_and_marks(make_run):
    tex = build_report(make_run(), formats="tex", n_boot=300)["tex:tables"].read_text()
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert r"\caption{Leaderboard}" in tex and r"\caption{Mean [95\% CI] per generator}" in tex
    assert r"\scriptsize[" in tex  # CIs below the value, in a smaller font
    assert r"\textbf{0.465}" in tex  # gpt-pw's recall, the best of the column
    assert r"0.284$^{\dagger}$" in tex  # extractive's recall, significantly worse than the best
    assert r"\documentclass" not in tex and r"\begin{document}" not in tex  # \input-able


@needs_pdflatex
@pytest.mark.timeout(400)
def test_the_standalone_document_and_the_input_file_compile(make_run, tmp_path):
    run = make_run(generators=ODD, tasks=["rag-llm-survey", "llm-evaluation-survey", "stfm-since-2024"])
    written = build_report(run, formats="tex", n_boot=200, out_dir=tmp_path / "r")
    folder = written["tex"].parent
    proc = _pdflatex(folder, "report.tex")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (folder / "report.pdf").read_bytes()[:5] == b"%PDF-"
    # paper-ready: every font a Type 1 outline, no bitmap (Type 3) font pulled in by a T1/TS1 glyph
    (folder / "plain.tex").write_text("\\pdfcompresslevel=0 \\pdfobjcompresslevel=0\n" + written["tex"].read_text())
    assert _pdflatex(folder, "plain.tex").returncode == 0
    pdf = (folder / "plain.pdf").read_bytes()
    assert re.search(rb"/Subtype\s*/Type1", pdf) and not re.search(rb"/Subtype\s*/Type3", pdf)
    (folder / "paper.tex").write_text("\\documentclass{article}\n\\usepackage{booktabs,graphicx}\n"
                                      "\\begin{document}\nOur results are in Table~\\ref{tab:leaderboard}.\n"
                                      "\\input{report_tables}\n\\end{document}\n")
    proc = _pdflatex(folder, "paper.tex")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Undefined control sequence" not in proc.stdout
