"""What a relevance method reads of a cited reference: its title cleaned of scraping debris, and its URL's words.

Generators' bibliographies carry titles as web search returned them: "[PDF] TruthfulQA: ... . acl- long.229. p",
"CLIP: Connecting text and images | OpenAI", "[2306.05685] Judging LLM- as- a- Judge ...", "G- Eval: ... - ACL
Anthology". Left as they are, the debris (site names, URL fragments, broken hyphens) moves a title away from
every topic. A web page's URL slug often names its subject ("rouge-metric-in-nlp"): its words are evidence too.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

_LEAD = re.compile(r"^\s*(\[(pdf|html|doc|ppt|citation|book|b)\]|\[\d{4}\.\d{4,5}(v\d+)?\]|\d{4}\.\d{4,5}(v\d+)?:?)\s*",
                   re.I)
_BROKEN_HYPHEN = re.compile(r"(\w)- (?=\w)")
_SITE = re.compile(r"\s+[|｜–—]\s+[^|｜–—]{1,40}$")
_DASH_SITE = re.compile(r"\s+-\s+(acl anthology|arxiv(\.org)?|wikipedia|medium|github|openreview|ieee xplore|"
                        r"sciencedirect|springer(link)?|researchgate|semantic scholar|hugging ?face|meta ai|google "
                        r"(ai|research)|openai|microsoft research|nvidia|blog|知乎|csdn|博客园|腾讯云|阿里云|百度)\b.*$", re.I)
_URL_TAIL = re.compile(r"(\s\.?\s?[\w\-]*[./][\w.\-/]*\s?\w{0,4})+\s*$")
_SLUG_TAIL = re.compile(r"\s+[\w/]*[a-z0-9]+(-[A-Za-z0-9]*){2,}/?\s*$")
_SLUG_WORD = re.compile(r"[A-Za-z]{2,}")
_SLUG_STOP = {"html", "htm", "pdf", "php", "aspx", "www", "com", "org", "net", "abs", "article", "articles", "details",
              "page", "view", "post", "posts", "blog", "index", "paper", "papers", "question", "answer", "news",
              "hash", "file", "full", "content", "doi", "id", "en", "zh", "cn", "p", "detail", "jsp"}


def clean_title(title: str) -> str:
    """The title without a leading [PDF] / arXiv id, site suffix, trailing URL fragment or broken hyphens."""
    t = " ".join(title.split())
    t = _LEAD.sub("", t)
    t = _BROKEN_HYPHEN.sub(r"\1-", t)
    for _ in range(2):
        t = _DASH_SITE.sub("", t)
        if len(t.split()) > 3:
            t = _SITE.sub("", t)
    m = _SLUG_TAIL.search(t)
    if m and len(t[: m.start()].split()) >= 3:
        t = t[: m.start()]
    m = _URL_TAIL.search(t)
    if m and len(t[: m.start()].split()) >= 3:
        t = t[: m.start()]
    t = t.replace(" ...", " ").replace("...", " ")
    return " ".join(t.split()).strip(" .-|") or " ".join(title.split())


def url_words(url: str | None) -> list[str]:
    """Words of a URL's slugs (path segments of words joined by '-' or '_', e.g. 'rouge-metric-in-nlp')."""
    if not url:
        return []
    try:
        path = unquote(urlparse(url).path)
    except ValueError:
        return []
    slugs = [seg for seg in re.split(r"[/.]", path) if len(re.findall(r"[A-Za-z]{2,}", seg)) >= 2
             and re.search(r"[A-Za-z]{2,}[-_+][A-Za-z0-9]", seg)]
    words = [w.lower() for seg in slugs for w in _SLUG_WORD.findall(seg.replace("_", " ").replace("-", " "))]
    return [w for w in words if w not in _SLUG_STOP]


def reference_text(title: str, url: str | None = None) -> str:
    """The text judged for a reference: its cleaned title, plus its URL's slug words when they add two or more."""
    t = clean_title(title)
    known = set(re.findall(r"\w+", t.lower()))
    extra = [w for w in dict.fromkeys(url_words(url)) if w not in known]
    return f"{t} ({' '.join(extra)})" if len(extra) >= 2 else t
