"""Reference classes: what a reference entry is, from what resolved it and the identifiers it carries.

- `in_task`: resolves to a paper of the task;
- `known`: resolves to a paper of the harness's paper index (`harness.paper_index`) but not to the task;
- `identified`: carries an arXiv id, a DOI or a scholarly URL that no index holds;
- `web`: carries only non-scholarly URLs (blogs, news, vendor pages);
- `unidentified`: no identifier and no title match anywhere (offline, the likely-invented class).

Online verification (`harness.verify`) may turn `identified` / `unidentified` into `verified` or `not_found`.
"""

from __future__ import annotations

from urllib.parse import urlparse

CLASSES = ("in_task", "known", "identified", "web", "unidentified", "verified", "not_found")
# classes counted as valid by citations.valid_rate
VALID_CLASSES = frozenset({"in_task", "known", "identified", "verified"})

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
             urls: list[str]) -> tuple[str, str]:
    """(class, basis) of one reference from its resolutions and identifiers; see the module docstring."""
    if in_task:
        return "in_task", "resolves to a task paper"
    if known:
        return "known", "resolves to a paper of the harness's paper index, not of this task"
    if arxiv_id:
        return "identified", f"arXiv id {arxiv_id} (in no index)"
    if doi:
        return "identified", f"DOI {doi} (in no index)"
    scholarly = [u for u in urls if is_scholarly_url(u)]
    if scholarly:
        return "identified", f"scholarly URL on {url_host(scholarly[0])} (in no index)"
    if urls:
        return "web", f"non-scholarly URL on {url_host(urls[0]) or urls[0][:60]}"
    return "unidentified", "no identifier and no title match in the task or the paper index"
