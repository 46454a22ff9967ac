"""Readers: turn a generator's output file into a Review (one module per format, detected or forced).

Formats: "litreview-report", "markdown", "autosurvey-json", "cite-n", "surveybench-ref", "latex", "openscholar",
and "storm" (a folder, or its article file with url_to_info.json beside it). `Review.sources` names the files read.
An empty file gives a Review with zero counts and the warning "empty file" (not an error), so a generator that
produced nothing is scored as such; unreadable, binary or malformed files raise HarnessError naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import HarnessError
from harness.core.registry import Registry
from harness.models import Paper, Review
from harness.readers import (
    autosurvey_json,
    cite_n,
    latex,
    litreview_report,
    markdown,
    openscholar,
    storm,
    surveybench_ref,
)
from harness.readers.json_util import load_json

# Files larger than this are refused (a generated review is well under 1 MB).
MAX_BYTES = 50_000_000


def _storm_text(text: str, name: str | None = None, pool=None) -> Review:
    """STORM needs its folder (url_to_info.json says what [n] is), not a text alone."""
    raise HarnessError("the storm format reads a STORM output folder (or its article file with url_to_info.json "
                       "beside it), not a text alone", hint="give the folder's path")


@dataclass(frozen=True)
class Reader:
    """One format: its name, what it reads, and its parse function (text, name, pool) -> Review."""

    name: str
    description: str
    parse: Callable[..., Review]


FORMATS: Registry[Reader] = Registry("format", field="format")
for _reader in [
        Reader(litreview_report.NAME, "Literature Review Report (## Topic/Usage Statistics/Plan/Literature "
               "Review/References/Papers Used)", litreview_report.parse),
        Reader(markdown.NAME, "markdown with [n] citations and a trailing [n] reference list", markdown.parse),
        Reader(autosurvey_json.NAME, 'AutoSurvey JSON {"survey": markdown, "reference": {n: arXiv id}}',
               autosurvey_json.parse),
        Reader(cite_n.NAME, "text with @cite_N markers naming the N-th pool paper", cite_n.parse),
        Reader(surveybench_ref.NAME, "SurveyBench ref.json {arXiv id: {...}} (references only)",
               surveybench_ref.parse),
        Reader(latex.NAME, "LaTeX with \\cite{key} and a BibTeX file (--bib, or a .bib beside the .tex)",
               latex.parse),
        Reader(openscholar.NAME, 'OpenScholar JSON {"data": [{"output": answer citing [i], "ctxs": [passages]}]}',
               openscholar.parse),
        Reader(storm.NAME, "STORM output folder: storm_gen_article_polished.txt + url_to_info.json (+ outline)",
               _storm_text),
]:
    FORMATS.add(_reader.name, _reader)


def detect_format(text: str, name: str | None = None) -> str:
    """Format of a text from its file name and content; markdown when nothing more specific fits."""
    lname = (name or "").lower()
    stripped = text.lstrip()
    if stripped.startswith("{") or lname.endswith(".json"):
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError):  # load_json below names the problem
            data = None
        if autosurvey_json.looks_like(data):
            return autosurvey_json.NAME
        if openscholar.looks_like(data):
            return openscholar.NAME
        if surveybench_ref.looks_like(data) or (lname.endswith("ref.json") and isinstance(data, dict)):
            return surveybench_ref.NAME
        if lname.endswith(".json"):
            if data is None:
                load_json(text)  # raises with the line of the syntax error
            raise HarnessError("JSON file in no known format (expected AutoSurvey {\"survey\", \"reference\"}, "
                               "a SurveyBench ref.json map of arXiv ids, or OpenScholar "
                               "{\"data\": [{\"output\", \"ctxs\"}]})", hint="use --format to force one")
    if litreview_report.looks_like(text):
        return litreview_report.NAME
    if latex.looks_like(text, name):
        return latex.NAME
    if cite_n.looks_like(text):
        return cite_n.NAME
    return markdown.NAME


def parse_text(text: str, format: str | None = None, name: str | None = None,
               pool: Sequence[Paper] | None = None, bib_text: str | None = None) -> Review:
    """Parse a text in the given (or detected) format; `pool` = the papers the generator was offered, in order;
    `bib_text` = a BibTeX file for the latex format."""
    if not text.strip():
        fmt = format or markdown.NAME
        if fmt not in FORMATS:
            raise HarnessError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
        return Review(source_format=fmt, text="", papers=list(pool or []), warnings=["empty file"])
    fmt = format or detect_format(text, name)
    reader = FORMATS.get(fmt, None)
    if reader is None:
        raise HarnessError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    if fmt == latex.NAME:
        return latex.parse(text, name=name, pool=pool, bib_text=bib_text)
    return reader.parse(text, name=name, pool=pool)


def _looks_binary(data: bytes) -> bool:
    """NUL bytes, or many control bytes, in the first 8 KB."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 11, 27))
    return bool(head) and ctrl / len(head) > 0.05


def _bib_path(p: Path, bib: str | Path | None) -> Path | None:
    """The BibTeX file for a LaTeX file: `bib` when given, else `<name>.bib` beside it, else its only .bib."""
    if bib is not None:
        return Path(bib)
    if p.suffix.lower() != ".tex":
        return None
    b = p.with_suffix(".bib")
    if not b.is_file():
        bibs = sorted(p.parent.glob("*.bib"))
        if len(bibs) != 1:
            return None
        b = bibs[0]
    return b


def _bib_for(p: Path, bib: str | Path | None) -> str | None:
    """The BibTeX text for a LaTeX file (see `_bib_path`)."""
    b = _bib_path(p, bib)
    if b is None:
        return None
    try:
        return b.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise HarnessError(f"cannot read BibTeX file: {exc.strerror or exc}", path=b) from None


def read_review(path: str | Path, format: str | None = None, pool: Sequence[Paper] | None = None,
                bib: str | Path | None = None) -> Review:
    """Read and parse one output file; HarnessError (naming the file) for anything unreadable or malformed.

    `bib`: a BibTeX file for a LaTeX review (default: a .bib beside the .tex)."""
    p = Path(path)
    if not p.exists():
        raise HarnessError("file not found", path=p)
    if p.is_dir():
        return _read_folder(p, format)
    if not p.is_file():
        raise HarnessError("not a file", path=p)
    if storm.is_storm_article(p) and format is None or format == storm.NAME and (p.parent / storm.INFO).is_file():
        return _read_storm(p)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise HarnessError(f"file is too large ({size} bytes; limit {MAX_BYTES})", path=p)
        data = p.read_bytes()
    except OSError as exc:
        raise HarnessError(f"cannot read: {exc.strerror or exc}", path=p) from None
    if _looks_binary(data):
        raise HarnessError("looks binary, not a text review", path=p,
                           hint="give a markdown, report or JSON output")
    text = data.decode("utf-8", errors="replace")
    text = text.removeprefix("\ufeff")
    try:
        review = parse_text(text, format=format, name=p.name, pool=pool, bib_text=_bib_for(p, bib))
    except HarnessError as exc:
        exc.path = exc.path or str(p)
        raise
    except Exception as exc:  # a reader bug must still reach the user as one line naming the file
        raise HarnessError(f"could not parse as {format or 'detected format'}: {type(exc).__name__}: {exc}",
                           path=p) from exc
    if "\ufffd" in text:
        review.warnings.append("file is not valid UTF-8; undecodable bytes were replaced")
    if not review.sources:
        bib_used = review.source_format == latex.NAME and _bib_path(p, bib)
        review.sources = [p.name] + ([bib_used.name] if bib_used else [])
    return review


def is_output_folder(p: Path) -> bool:
    """A folder that is one output (a STORM run folder)."""
    return p.is_dir() and storm.article_in(p) is not None


def _read_folder(p: Path, format: str | None) -> Review:
    """A folder output: a STORM run (its polished article, url_to_info.json and outline)."""
    article = storm.article_in(p)
    if article is None or format not in (None, storm.NAME):
        raise HarnessError("a folder in no known format (a STORM run folder holds url_to_info.json and "
                           "storm_gen_article_polished.txt or storm_gen_article.txt)", path=p,
                           hint="give a file, or a STORM output folder")
    return _read_storm(article)


def _read_storm(article: Path) -> Review:
    try:
        return storm.read_storm(article)
    except HarnessError as exc:
        exc.path = exc.path or str(article)
        raise


__all__ = ["FORMATS", "Reader", "detect_format", "is_output_folder", "parse_text", "read_review"]
