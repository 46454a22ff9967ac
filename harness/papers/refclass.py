"""Reference classes: what a reference entry is, from what resolved it and the identifiers it carries.

- `in_task`: resolves to a paper of the task's reference bibliography;
- `in_pool`: resolves to a paper of the task's candidate pool that is not in its bibliography (a distractor
  cited is a real paper, but not one the task's field is built from);
- `known`: resolves to a paper of the harness's paper index (`harness.papers.index`) outside bibliography and pool;
- `conflict`: its identifier names a known paper with another title, or its title names a known paper whose
  identifier is another one: never a match;
- `invalid_id`: carries an arXiv id or DOI no real record can have (malformed, beyond any month's range, a
  future month; `harness.papers.refclass.id_problem`);
- `identified`: carries a well-formed arXiv id, DOI or scholarly URL that no index holds — identified,
  unverified (counted by citations.unverified apart from `verified`; `--verify-online` settles it);
- `web`: carries only non-scholarly URLs (blogs, news, vendor pages);
- `unidentified`: no identifier and no title match anywhere (offline, the likely-invented class).

A review's own lists (the seed format's "Papers Used") are never evidence: a match to them is no class of its
own. Online verification (`harness.papers.verify`) may turn `identified` / `unidentified` into `verified` or `not_found`.
"""

from __future__ import annotations

import re
from datetime import date

from harness.models import normalize_arxiv_id

from urllib.parse import urlparse

CLASSES = ("in_task", "in_pool", "known", "identified", "web", "unidentified", "conflict", "invalid_id", "verified",
           "not_found")
# classes counted as valid by citations.valid_rate (identified: a well-formed identifier, unverified offline, is
# reported apart by citations.unverified; impossible ids and conflicts never count)
VALID_CLASSES = frozenset({"in_task", "in_pool", "known", "identified", "verified"})

# Conservative upper bounds on a new-style arXiv number per month, well above the busiest month of each era
# (monthly submissions: ~8-10k in 2014, ~14k in 2019, ~20k in 2022, under 30k in 2025): (first yymm, bound).
ARXIV_MONTH_MAX = ((704, 9999), (1501, 20000), (1901, 30000), (2301, 50000))
_NEW_ID = re.compile(r"^(\d{2})(\d{2})\.(\d{4,5})$")
_OLD_ID = re.compile(r"^[a-z\-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})(\d{3})$")
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}(?:\.\d+)*/\S+$")
_DOI_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)?(?:doi:\s*)?", re.I)
_DOI_IN_TEXT = re.compile(r"(?:doi\.org/|\bdoi:\s*)(\S*)", re.I)
_ARXIV_IN_TEXT = re.compile(r"arxiv(?:\.org/(?:abs|pdf))?[:/\s]\s*([^\s,;)\]]+)", re.I)


def arxiv_id_problem(aid: str, today: date | None = None) -> str | None:
    """Why an arXiv id cannot exist (malformed, month out of range or in the future, number beyond the month's
    conservative bound or zero), or None when it could."""
    today = today or date.today()
    now = (today.year % 100) * 100 + today.month
    m = _NEW_ID.match(aid)
    if m:
        yymm, num, digits = int(m.group(1) + m.group(2)), int(m.group(3)), len(m.group(3))
        if not 1 <= int(m.group(2)) <= 12 or yymm < 704:
            return f"arXiv id {aid}: no month {m.group(1)}{m.group(2)} in the new-style scheme (0704 on)"
        if yymm > now:
            return f"arXiv id {aid}: month {yymm:04d} is in the future"
        if (digits == 5) != (yymm >= 1501):
            return f"arXiv id {aid}: {digits}-digit numbers are not used in {yymm:04d}"
        bound = max(b for start, b in ARXIV_MONTH_MAX if yymm >= start)
        if num == 0 or num > bound:
            return f"arXiv id {aid}: number {num} is beyond any month's range (at most {bound} in {yymm:04d})"
        return None
    m = _OLD_ID.match(aid)
    if m:
        return None if 1 <= int(m.group(2)) <= 12 and int(m.group(3)) > 0 else f"arXiv id {aid}: malformed"
    return f"arXiv id {aid!r} is malformed"


def id_problem(arxiv_id: str | None, doi: str | None, raw: str = "", today: date | None = None) -> str | None:
    """Why a reference's identifiers cannot name a real record: an impossible arXiv id, an arXiv mention in the
    entry text that is no arXiv id at all, or a DOI of impossible shape; None when nothing is wrong."""
    if arxiv_id:
        problem = arxiv_id_problem(normalize_arxiv_id(arxiv_id) or arxiv_id, today)
        if problem:
            return problem
    elif raw:
        for m in _ARXIV_IN_TEXT.finditer(raw):
            token = m.group(1).rstrip(".")
            if re.match(r"\d", token) and normalize_arxiv_id(token) is None:
                return f"arXiv id {token!r} is malformed"
    dois = [_DOI_PREFIX.sub("", doi.strip()).rstrip(".").lower()] if doi else []
    dois += [m.group(1).rstrip(".,;)]").lower() for m in _DOI_IN_TEXT.finditer(raw or "")]
    for d in dois:
        if not _DOI_SHAPE.match(d):
            return f"DOI {d!r} has an impossible shape (a DOI is 10.<4-9 digit registrant>/<suffix>)"
    return None


# Hosts of scholarly records: preprint servers, DOI resolvers, publishers, proceedings and bibliographic indexes.
SCHOLARLY_HOSTS = (
    "arxiv.org", "doi.org", "aclanthology.org", "aclweb.org", "openreview.net", "neurips.cc", "nips.cc",
    "proceedings.mlr.press", "jmlr.org", "ieeexplore.ieee.org", "computer.org", "dl.acm.org", "acm.org",
    "link.springer.com", "springer.com", "sciencedirect.com", "elsevier.com", "nature.com", "science.org",
    "semanticscholar.org", "thecvf.com", "aaai.org", "ijcai.org", "ncbi.nlm.nih.gov", "europepmc.org",
    "biorxiv.org", "medrxiv.org", "chemrxiv.org", "ssrn.com", "mdpi.com", "wiley.com", "tandfonline.com",
    "iop.org", "aps.org", "pnas.org", "cell.com", "plos.org", "frontiersin.org", "ecva.net",
    "isca-speech.org", "isca-archive.org", "usenix.org", "vldb.org", "hal.science", "archives-ouvertes.fr",
    "dblp.org", "osti.gov", "jstor.org", "oup.com", "sagepub.com", "cambridge.org", "iclr.cc", "icml.cc",
    "mlsys.org", "researchgate.net", "openalex.org", "crossref.org", "papers.ssrn.com", "scholar.archive.org",
    "bmj.com", "thelancet.com", "nejm.org", "aclweb.org", "emnlp.org", "kdd.org", "siam.org", "ams.org",
    "royalsocietypublishing.org", "annualreviews.org", "iacr.org", "eprint.iacr.org", "escholarship.org",
    "zenodo.org", "pubmed.gov", "sciencedirect.com",
)


def url_host(url: str | None) -> str:
    """Lower-case host of a URL without 'www.'; '' when it has none."""
    if not url:
        return ""
    try:
        host = urlparse(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def is_scholarly_url(url: str | None) -> bool:
    """True for a URL on a scholarly host (or a subdomain of one)."""
    host = url_host(url)
    return bool(host) and any(host == h or host.endswith("." + h) for h in SCHOLARLY_HOSTS)


def classify(in_task: bool, known: bool, arxiv_id: str | None, doi: str | None,
             urls: list[str], *, in_pool: bool = False, conflict: str | None = None,
             problem: str | None = None) -> tuple[str, str]:
    """(class, basis) of one reference from its resolutions and identifiers; see the module docstring."""
    if conflict:
        return "conflict", conflict
    if in_task:
        return "in_task", "resolves to a paper of the task's reference bibliography"
    if in_pool:
        return "in_pool", "resolves to a paper of the task's pool outside its bibliography"
    if known:
        return "known", "resolves to a paper of the harness's paper index, not of this task's bibliography or pool"
    if problem:
        return "invalid_id", problem
    if arxiv_id:
        return "identified", f"arXiv id {arxiv_id} (in no index: identified, unverified)"
    if doi:
        return "identified", f"DOI {doi} (in no index: identified, unverified)"
    scholarly = [u for u in urls if is_scholarly_url(u)]
    if scholarly:
        return "identified", f"scholarly URL on {url_host(scholarly[0])} (in no index: identified, unverified)"
    if urls:
        return "web", f"non-scholarly URL on {url_host(urls[0]) or urls[0][:60]}"
    return "unidentified", "no identifier and no title match in the task or the paper index"
