"""STORM (stanford-oval/storm) output folders: the article cites `[n]`, and `url_to_info.json` says what n is.

A run writes `storm_gen_article_polished.txt` (or `.md`; some forks `storm_polished_article.txt`), the draft
`storm_gen_article.txt`, `storm_gen_outline.txt` and `url_to_info.json`, whose `url_to_unified_index` maps each
URL to its number n and `url_to_info[url]` gives its title, description and snippets. The polished article is
read (else the draft); its references are rebuilt from `url_to_info.json` (the article's own "References" lines,
where present, carry no URLs and are left out); the refined outline is the review's plan; the topic is the
folder's name (STORM names it after the topic, spaces as underscores).
"""

from __future__ import annotations

from pathlib import Path

from harness.core.errors import HarnessError
from harness.models import ReferenceEntry, Review
from harness.readers.json_util import load_json
from harness.readers.markdown import review_from_markdown, link_warnings
from harness.readers.citations import extract_citations
from harness.readers.references import identifiers

NAME = "storm"
INFO = "url_to_info.json"
# article files, best first: the polished article, then the draft
ARTICLES = ("storm_gen_article_polished.txt", "storm_gen_article_polished.md", "storm_polished_article.txt",
            "storm_polished_article.md", "storm_gen_article.txt", "storm_gen_article.md")
OUTLINES = ("storm_gen_outline.txt", "refine_outline.txt", "direct_gen_outline.txt")


def article_in(folder: Path) -> Path | None:
    """The article file of a STORM folder (polished first), or None when the folder is not one."""
    if not (folder / INFO).is_file():
        return None
    return next((folder / n for n in ARTICLES if (folder / n).is_file()), None)


def is_storm_article(path: Path) -> bool:
    """An article file of a STORM run: a known name with url_to_info.json beside it."""
    return path.name in ARTICLES and (path.parent / INFO).is_file()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").removeprefix("\ufeff")
    except OSError as exc:
        raise HarnessError(f"cannot read: {exc.strerror or exc}", path=path) from None


def references_from_info(info_path: Path) -> list[ReferenceEntry]:
    """One entry per URL of url_to_info.json, keyed by its unified index, in index order."""
    data = load_json(_read(info_path))
    if not isinstance(data, dict) or not isinstance(data.get("url_to_unified_index"), dict):
        raise HarnessError("not a STORM url_to_info.json", path=info_path, field="url_to_unified_index",
                           hint='expected {"url_to_unified_index": {url: n}, "url_to_info": {url: {...}}}')
    infos = data.get("url_to_info") or {}
    out = []
    for url, n in sorted(data["url_to_unified_index"].items(), key=lambda kv: _index(kv[1], info_path)):
        info = infos.get(url) if isinstance(infos, dict) else None
        title = (info.get("title") or "").strip() if isinstance(info, dict) else ""
        arxiv_id, doi = identifiers(url)
        out.append(ReferenceEntry(key=str(_index(n, info_path)), raw=f"{title}. {url}".strip(". "),
                                  title=title or None, arxiv_id=arxiv_id, doi=doi, url=url))
    return out


def _index(n: object, path: Path) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, str)) or not str(n).strip().isdigit():
        raise HarnessError(f"unified index {n!r} is not a number", path=path, field="url_to_unified_index")
    return int(n)


def read_storm(article: Path) -> Review:
    """A STORM article with the url_to_info.json (and outline) beside it."""
    folder = article.parent
    review = review_from_markdown(_read(article), NAME)
    entries = references_from_info(folder / INFO)
    dropped = len(review.references)
    warnings = [w for w in review.warnings if w == "no review text" or w.startswith("file ")]
    citations = extract_citations(review.text, entries, notes=warnings)
    warnings += link_warnings(citations, entries, bool(review.text.strip()), NAME)
    if dropped:
        warnings.append(f"the article's own reference list ({dropped} entries, no URLs) was replaced by {INFO}")
    outline = next((folder / n for n in OUTLINES if (folder / n).is_file()), None)
    sources = [article.name, INFO] + ([outline.name] if outline else [])
    return review.model_copy(update={
        "references": entries, "citations": citations, "warnings": warnings, "sources": sources,
        "topic": folder.resolve().name.replace("_", " "),  # STORM names the folder after the topic
        "plan": _read(outline) if outline else None})
