"""Read a BibTeX file with bibtexparser: one Paper per good entry; bad entries and fields reported by key and line."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from harness.core.errors import HarnessError
from harness.papers.records import Entries, Problem, paper_from_fields

# Fields holding prose (LaTeX-decoded); identifiers (eprint, doi, url) are kept verbatim ('%' and '_' in URLs).
_TEXT_FIELDS = {"title", "abstract", "journal", "booktitle", "note", "howpublished"}
_BLOCK_KEY = re.compile(r"@\s*\w+\s*[{(]\s*([^,\s]+)\s*,")


def _decoder():
    from pylatexenc.latex2text import LatexNodes2Text  # bibtexparser's own LaTeX decoder dependency

    return LatexNodes2Text(math_mode="verbatim")


def read_bibtex(path: str | Path) -> Entries:
    """Parse path; entries without a title, with a duplicate key or unparsable are dropped and reported."""
    import bibtexparser
    from bibtexparser import middlewares as mw

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HarnessError(f"cannot read BibTeX file: {exc}", path=path) from None
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # its warnings become our problems list
    try:
        library = bibtexparser.parse_string(text, append_middleware=[mw.SeparateCoAuthors()])
    except Exception as exc:  # bibtexparser reports most problems as failed blocks; anything else is fatal
        raise HarnessError(f"cannot parse BibTeX: {type(exc).__name__}: {exc}", path=path) from None
    out = Entries(source=str(path))
    first_line = {e.key: e.start_line + 1 for e in library.entries}
    for block in library.failed_blocks:
        line = block.start_line + 1
        key = getattr(block, "key", None) or (_BLOCK_KEY.match(block.raw or "") or [None, None])[1]
        if type(block).__name__ == "DuplicateBlockKeyBlock":
            msg = f"duplicate key (first defined at line {first_line.get(key, '?')})"
        else:
            msg = "unparsable entry" + (f": {block.error}" if str(getattr(block, "error", "") or "") else "")
        out.problems.append(Problem(key, line, msg.splitlines()[0][:200], "entry dropped"))
    decode = _decoder()
    for entry in library.entries:
        line = entry.start_line + 1
        fields = {}
        for name, f in entry.fields_dict.items():
            value = f.value
            if name.lower() in _TEXT_FIELDS and isinstance(value, str):
                value = decode.latex_to_text(value)
            fields[name.lower()] = value
        raw_authors = fields.pop("author", None) or []
        authors = [" ".join(decode.latex_to_text(a).split()) for a in
                   (raw_authors if isinstance(raw_authors, list) else [raw_authors])]
        paper = paper_from_fields(entry.key, line, fields, [a for a in authors if a], out.problems)
        if paper is not None:
            out.add(entry.key, line, paper)
    out.problems.sort(key=lambda p: (p.line or 0))
    return out
