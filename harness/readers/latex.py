"""LaTeX reviews: `\\cite{key}` / `\\citep` / `\\citet` (and biblatex's `\\parencite`, `\\textcite`, …) against a
BibTeX file (`--bib FILE`, else a `.bib` beside the `.tex`), or a `thebibliography` list of `\\bibitem{key}`.

The body is the document text with its preamble, comments and bibliography removed, and `\\section{…}`-style
commands turned into markdown headings so sections and word counts work as for markdown. BibTeX is parsed
with bibtexparser; the entry key is the BibTeX key.
"""

from __future__ import annotations

import re

from harness.core.errors import HarnessError
from harness.models import ReferenceEntry, Review, Section, normalize_arxiv_id
from harness.readers.citations import extract_citations
from harness.readers.markdown import link_warnings
from harness.readers.references import parse_entry
from harness.core.text import headings

NAME = "latex"
_SECTION = re.compile(r"\\(part|chapter|section|subsection|subsubsection|paragraph)\*?\s*(?:\[[^\]]*\])?\s*\{([^{}]*)\}")
_LEVEL = {"part": 1, "chapter": 1, "section": 2, "subsection": 3, "subsubsection": 4, "paragraph": 5}
_COMMENT = re.compile(r"(?<!\\)%.*$", re.MULTILINE)
_BIBITEM = re.compile(r"\\bibitem\s*(?:\[[^\]]*\])?\s*\{([^}]+)\}")
_THEBIB = re.compile(r"\\begin\{thebibliography\}.*?(?:\\end\{thebibliography\}|$)", re.DOTALL)


def looks_like(text: str, name: str | None = None) -> bool:
    """A .tex file, or text with \\documentclass / \\begin{document} or several \\cite commands."""
    if (name or "").lower().endswith(".tex"):
        return True
    head = text[:200_000]
    return "\\documentclass" in head or "\\begin{document}" in head or len(re.findall(r"\\cite[pt]?\{", head)) >= 2


def bib_entries(bib_text: str, source: str = "bib") -> list[ReferenceEntry]:
    """Reference entries of a BibTeX text (bibtexparser); key = BibTeX key."""
    import bibtexparser

    try:
        library = bibtexparser.parse_string(bib_text)
    except Exception as exc:  # bibtexparser raises assorted errors on broken input
        raise HarnessError(f"cannot parse BibTeX: {exc}", path=source) from None
    out = []
    for e in library.entries:
        f = {k.lower(): str(v.value if hasattr(v, "value") else v) for k, v in e.fields_dict.items()}
        title = _detex(f.get("title", "")) or None
        authors = [a.strip() for a in re.split(r"\s+and\s+", _detex(f.get("author", ""))) if a.strip()]
        year_m = re.search(r"\d{4}", f.get("year", "") or f.get("date", ""))
        arxiv = None
        if (f.get("archiveprefix", "") or f.get("eprinttype", "")).lower() == "arxiv" or "arxiv" in f.get("journal", "").lower():
            arxiv = normalize_arxiv_id(f.get("eprint")) or _arxiv_in(f.get("journal", ""))
        arxiv = arxiv or normalize_arxiv_id(f.get("eprint")) or _arxiv_in(f.get("url", ""))
        raw = f"{e.key}: " + "; ".join(f"{k}={v}" for k, v in f.items() if k in ("author", "title", "year", "doi",
                                                                                   "eprint", "url", "journal"))
        out.append(ReferenceEntry(key=e.key, raw=raw[:2000], title=title, authors=authors,
                                  year=int(year_m.group(0)) if year_m else None, arxiv_id=arxiv,
                                  doi=(f.get("doi") or None), url=f.get("url") or None))
    return out


def _arxiv_in(s: str) -> str | None:
    m = re.search(r"(\d{4}\.\d{4,5})", s or "")
    return normalize_arxiv_id(m.group(1)) if m else None


def _detex(s: str) -> str:
    """Braces and simple accent commands out of a BibTeX field."""
    s = re.sub(r"\\[a-zA-Z]+\s*\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\['`^\"~=.uvHtcdbk]\s*\{?([A-Za-z])\}?", r"\1", s)
    return re.sub(r"\s+", " ", s.replace("{", "").replace("}", "")).strip()


def _bibitems(text: str) -> list[ReferenceEntry]:
    """Entries of a thebibliography environment."""
    m = _THEBIB.search(text)
    if not m:
        return []
    block = m.group(0)
    items = list(_BIBITEM.finditer(block))
    out = []
    for i, it in enumerate(items):
        end = items[i + 1].start() if i + 1 < len(items) else len(block)
        body = re.sub(r"\\end\{thebibliography\}", "", block[it.end():end])
        body = re.sub(r"\\newblock\s*", " ", _detex(re.sub(r"\\(?:emph|textit|em)\s*", "", body))).strip()
        entry = parse_entry(it.group(1), body)
        entry.raw = f"\\bibitem{{{it.group(1)}}} {body}"[:2000]
        out.append(entry)
    return out


def to_markdown(text: str) -> str:
    """Document body as markdown: preamble, comments and bibliography out; sectioning commands as headings."""
    text = _COMMENT.sub("", text)
    m = re.search(r"\\begin\{document\}(.*?)(?:\\end\{document\}|$)", text, re.DOTALL)
    body = m.group(1) if m else text
    body = _THEBIB.sub("", body)
    body = re.sub(r"\\(?:bibliography|bibliographystyle|printbibliography|maketitle|tableofcontents)\b(?:\{[^}]*\})?",
                  "", body)
    body = _SECTION.sub(lambda mm: "\n" + "#" * _LEVEL[mm.group(1)] + " " + mm.group(2).strip() + "\n", body)
    title = re.search(r"\\title\{([^{}]*)\}", text)
    if title:
        body = f"# {title.group(1).strip()}\n\n" + body
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


def parse(text: str, name: str | None = None, pool=None, bib_text: str | None = None,
          bib_name: str | None = None) -> Review:
    """A LaTeX document with its BibTeX file (or thebibliography)."""
    warnings: list[str] = []
    entries = _bibitems(text)
    if bib_text is not None:
        from_bib = bib_entries(bib_text, bib_name or "bib")
        keys = {b.key for b in from_bib}
        entries = from_bib + [e for e in entries if e.key not in keys]
    body = to_markdown(text)
    if not entries:
        warnings.append("no reference list found: give the BibTeX file with --bib FILE (or put a .bib beside "
                        "the .tex)")
    citations = extract_citations(body, entries, notes=warnings)
    warnings += link_warnings(citations, entries, bool(body.strip()), NAME)
    heads = headings(body)
    return Review(source_format=NAME, text=body, title=heads[0][1] if heads and heads[0][0] == 1 else None,
                  sections=[Section(level=lv, title=t, offset=o) for lv, t, o in heads], citations=citations,
                  references=entries, papers=list(pool or []), warnings=warnings)
