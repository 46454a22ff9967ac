"""Inline-link citations, as deep-research and search agents write them: a markdown link placed as a citation.

Placed as a citation means either wrapped — `\\[[Zheng 2021](http://arxiv.org/abs/2108.02755v1)\\]`,
`[[A](u1), [B](u2)]`, `([A](u))` — or a link whose text is a citation label (a year, "et al.", an arXiv id or
a bare number) pointing at a scholarly host (`harness.papers.refclass.SCHOLARLY_HOSTS`: arXiv, doi.org, OpenReview,
ACL Anthology, Semantic Scholar, publishers, …). A link on an ordinary word ("the [Transformer](…) model") stays
prose. A wrapped link cites whatever it points at (a blog post is then a `web` reference, classed as such).
Each cited work is one reference entry, deduplicated by its identity: arXiv id, else DOI, else the URL
normalised (scheme, `www.`, trailing slash, fragment and case of the host dropped).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from harness.models import ReferenceEntry, normalize_arxiv_id
from harness.papers.refclass import is_scholarly_url

_URL_IN_LINK = r"https?://[^\s()<>\[\]]+(?:\([^\s()<>\[\]]*\)[^\s()<>\[\]]*)*"
_LINK_NC = r"\[[^\[\]\n]{1,300}\]\(" + _URL_IN_LINK + r"\)"
LINK = re.compile(r"\[([^\[\]\n]{1,300})\]\((" + _URL_IN_LINK + r")\)")
# a wrapped group of one or more links: \[ … \], [ … ], ( … ); links separated by , ; or spaces
_GROUP = re.compile(r"(\\\[|\[|\()[ \t]*(" + _LINK_NC + r"(?:[ \t]*[,;]?[ \t]*" + _LINK_NC + r"){0,20})[ \t]*"
                    r"(\\\]|\]|\))")
_CLOSER = {"\\[": "\\]", "[": "]", "(": ")"}
_LABEL = re.compile(r"(?:^|\W)(?:(?:19|20)\d\d|et\s+al|\d{4}\.\d{4,5}|\d{1,4}$)", re.IGNORECASE)
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf|html)/((?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7})|\d{4}\.\d{4,5})", re.I)
_DOI = re.compile(r"(10\.\d{4,9}/[^\s\"<>#?]+)")
_LABEL_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


def link_groups(text: str) -> Iterator[tuple[int, int, list[tuple[str, str]]]]:
    """(start, end, [(label, url), …]) of every wrapped link citation in `text`, in order."""
    for m in _GROUP.finditer(text):
        if _CLOSER[m.group(1)] == m.group(3):
            yield m.start(), m.end(), [(lm.group(1), lm.group(2)) for lm in LINK.finditer(m.group(2))]


def labelled_links(text: str) -> Iterator[tuple[int, int, list[tuple[str, str]]]]:
    """Unwrapped links whose text is a citation label and whose target is scholarly."""
    for m in LINK.finditer(text):
        if _LABEL.search(m.group(1).strip()) and is_scholarly_url(m.group(2)):
            yield m.start(), m.end(), [(m.group(1), m.group(2))]


def identity(url: str) -> str:
    """What makes two links the same work: 'arxiv:ID', 'doi:DOI' or 'url:host/path?query'."""
    m = _ARXIV.search(url)
    if m:
        return "arxiv:" + (normalize_arxiv_id(m.group(1)) or m.group(1))
    m = _DOI.search(url) if "doi" in url.lower() else None
    if m:
        return "doi:" + m.group(1).rstrip(".,;").lower()
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return "url:" + host + path + (("?" + parts.query) if parts.query else "")


def entry_identities(e: ReferenceEntry) -> list[str]:
    """The identities a reference entry answers to (its arXiv id, DOI and URL)."""
    out = []
    if e.arxiv_id:
        out.append("arxiv:" + e.arxiv_id)
    if e.doi:
        out.append("doi:" + e.doi.lower())
    if e.url:
        out.append(identity(e.url))
    return out


def link_entry(label: str, url: str) -> ReferenceEntry:
    """A reference entry for a cited link: keyed by its identity; the label is a title unless it is a label."""
    key = identity(url)
    label = " ".join(label.split()).strip()
    arxiv = key.removeprefix("arxiv:") if key.startswith("arxiv:") else None
    doi_m = _DOI.search(url) if "doi" in url.lower() else None
    ym = _LABEL_YEAR.search(label)
    title = None if _LABEL.search(label) else (label or None)
    return ReferenceEntry(key=key, raw=f"[{label}]({url})", title=title, year=int(ym.group(1)) if ym else None,
                          arxiv_id=arxiv, doi=doi_m.group(1).rstrip(".,;") if doi_m else None, url=url)


def link_entries(body: str, entries: list[ReferenceEntry]) -> list[ReferenceEntry]:
    """Entries for the works the body cites by link that no entry of `entries` already is, in order."""
    have = {i for e in entries for i in entry_identities(e)}
    out: list[ReferenceEntry] = []
    for finder in (link_groups, labelled_links):
        for _, _, links in finder(body):
            for label, url in links:
                key = identity(url)
                if key not in have:
                    have.add(key)
                    out.append(link_entry(label, url))
    return out
