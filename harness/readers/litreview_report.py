"""The "Literature Review Report" format (the seed): ## Topic, ## Usage Statistics, ## Plan,
## Literature Review, ## References, ## Papers Used (N papers).

The review's own headings use the same `##` level as the report's, so the file is split only on the report's
known section names, in their fixed order, taking the LAST `## References` that is followed by `[n]` entries
or by `## Papers Used` (a "References" heading inside the review is body text).
"""

from __future__ import annotations

import re

from harness.models import (
    Paper,
    Review,
    Section,
    StageUsage,
    Usage,
    normalize_arxiv_id,
    paper_id_for,
)
from harness.readers.citations import extract_citations
from harness.readers.markdown import link_warnings, strip_inner_reference_blocks
from harness.readers.usage_check import check_usage
from harness.readers.references import ENTRY_LINE, numbering_problems, parse_entries
from harness.core.text import headings

NAME = "litreview-report"
_REPORT_HEAD = re.compile(r"^##[ \t]+(Topic|Usage Statistics|Plan|Literature Review|References|Papers Used\b.*?)"
                          r"[ \t]*$", re.MULTILINE)
_STAGE = re.compile(r"^###[ \t]+(.+?)[ \t]*$", re.MULTILINE)
_TOKENS = re.compile(r"^\s*-\s*(?:Total\s+)?(Input|Output)\s+tokens:\s*(-?[\d,]+)", re.IGNORECASE | re.MULTILINE)
_COST = re.compile(r"Total Cost \(USD\):\**\s*(-?)\s*\$?\s*(-?[\d.]+)", re.IGNORECASE)
_PAPER_HEAD = re.compile(r"^\s*(\d+)\.\s+\*\*(.+?)\*\*\s*$")
_PAPER_FIELD = re.compile(r"^\s*-\s*(Paper ID|Abstract|Year|Authors|URL|DOI|Title):\s*(.*)$", re.IGNORECASE)
_DECLARED = re.compile(r"\((\d+)\s+papers?\)", re.IGNORECASE)


def looks_like(text: str) -> bool:
    """True for a report: its header line, or both '## Literature Review' and a report-only section."""
    head = text.lstrip()[:200]
    if head.startswith("# Literature Review Report"):
        return True
    names = {m.group(1).split(" (")[0] for m in _REPORT_HEAD.finditer(text[:2_000_000])}
    return "Literature Review" in names and bool(names & {"Usage Statistics", "Papers Used", "Plan"})


def _sections(text: str) -> dict[str, tuple[int, int]]:
    """Report section name -> (content start, heading start), following the report's fixed order."""
    heads = [(m.group(1), m.start(), m.end()) for m in _REPORT_HEAD.finditer(text)]
    found: dict[str, tuple[int, int]] = {}
    order = ["Topic", "Usage Statistics", "Plan", "Literature Review"]
    last = -1
    for want in order:  # first occurrence after the previous report section
        for name, start, end in heads:
            if name == want and start > last:
                found[want] = (end, start)
                last = start
                break
    papers = [(s, e) for n, s, e in heads if n.startswith("Papers Used") and s > last]
    if papers:
        found["Papers Used"] = (papers[-1][1], papers[-1][0])
    limit = found["Papers Used"][1] if "Papers Used" in found else len(text)
    for name, start, end in reversed(heads):
        if name == "References" and last < start < limit:
            after = text[end:limit].lstrip("\n")
            first_line = after.split("\n", 1)[0] if after else ""
            if not after.strip() or ENTRY_LINE.match(first_line) or "Papers Used" in found:
                found["References"] = (end, start)
                break
    return found


def _content(text: str, found: dict[str, tuple[int, int]], name: str) -> str | None:
    """Text of one report section: up to the next report section's heading."""
    if name not in found:
        return None
    begin = found[name][0]
    ends = [hs for c, hs in found.values() if hs > begin]
    return text[begin:min(ends) if ends else len(text)]


def parse_usage(block: str) -> Usage | None:
    """Per-stage tokens ("### Plan Generation" -> "plan") and the reported total cost."""
    stages: list[StageUsage] = []
    total_in = total_out = None
    heads = list(_STAGE.finditer(block))
    for i, m in enumerate(heads):
        sub = block[m.end():heads[i + 1].start() if i + 1 < len(heads) else len(block)]
        vals = {k.lower(): int(v.replace(",", "")) for k, v in _TOKENS.findall(sub) if v.replace(",", "").lstrip("-")}
        title = m.group(1).strip()
        if title.lower() == "total":
            total_in, total_out = vals.get("input"), vals.get("output")
        elif vals:
            name = re.sub(r"\s+generation$", "", title.lower()).strip().replace(" ", "-")
            stages.append(StageUsage(name=name, input_tokens=vals.get("input"), output_tokens=vals.get("output")))
    cost_m = _COST.search(block)
    cost = None
    if cost_m:
        try:
            cost = float(cost_m.group(1) + cost_m.group(2))
        except ValueError:
            cost = None
    if not stages and total_in is None and cost is None:
        return None
    if total_in is None and stages and all(s.input_tokens is not None for s in stages):
        total_in = sum(s.input_tokens or 0 for s in stages)
    if total_out is None and stages and all(s.output_tokens is not None for s in stages):
        total_out = sum(s.output_tokens or 0 for s in stages)
    return Usage(stages=stages, input_tokens=total_in, output_tokens=total_out, cost_usd=cost,
                 cost_source="reported" if cost is not None else None)


def parse_papers(block: str) -> list[Paper]:
    """'1. **Title**' items with '- Paper ID:' and '- Abstract:' lines (truncated abstracts kept as they are)."""
    papers: list[Paper] = []
    cur: dict[str, str] | None = None
    last_field = None

    def flush() -> None:
        if cur and cur.get("title", "").strip():
            pid = cur.get("paper id", "").strip()
            aid = normalize_arxiv_id(pid)
            papers.append(Paper(id=aid or pid or paper_id_for(None, cur["title"]), title=cur["title"].strip(),
                                arxiv_id=aid, abstract=cur.get("abstract") or None))

    for line in block.splitlines():
        h = _PAPER_HEAD.match(line)
        if h:
            flush()
            cur, last_field = {"title": h.group(2)}, None
            continue
        f = _PAPER_FIELD.match(line)
        if f and cur is not None:
            last_field = f.group(1).lower()
            cur[last_field] = f.group(2).strip()
        elif cur is not None and last_field == "abstract" and line.strip():
            cur["abstract"] += " " + line.strip()
    flush()
    return papers


def parse(text: str, name: str | None = None, pool=None) -> Review:
    """A Literature Review Report: body = the '## Literature Review' section (its headings included)."""
    found = _sections(text)
    warnings: list[str] = []
    body = _content(text, found, "Literature Review")
    if body is None:
        warnings.append("no '## Literature Review' section: the whole file is taken as the review")
        body = text
    body, stray = strip_inner_reference_blocks(body.strip("\n") + "\n")
    warnings += stray
    body = body.rstrip() + "\n" if body.strip() else ""
    refs_block = _content(text, found, "References")
    entries = parse_entries(refs_block.splitlines())[0] if refs_block else []
    if not entries:
        warnings.append("no reference list found")
    warnings += numbering_problems(entries)
    papers_block = _content(text, found, "Papers Used")
    papers = parse_papers(papers_block) if papers_block else []
    if "Papers Used" in found:
        declared = _DECLARED.search(text[found["Papers Used"][1]:found["Papers Used"][0]])
        if declared and int(declared.group(1)) != len(papers):
            warnings.append(f"'Papers Used' declares {declared.group(1)} papers but lists {len(papers)}")
    if pool and not papers:
        papers = list(pool)
    usage_block = _content(text, found, "Usage Statistics")
    topic = _content(text, found, "Topic")
    plan = _content(text, found, "Plan")
    citations = extract_citations(body, entries, notes=warnings)
    warnings += link_warnings(citations, entries, bool(body.strip()), NAME)
    usage = None
    if usage_block:
        usage, usage_warnings = check_usage(parse_usage(usage_block), usage_block)
        warnings += usage_warnings
    heads = headings(body)
    title = heads[0][1] if heads and heads[0][0] == 1 else None
    return Review(source_format=NAME, text=body, title=title, topic=topic.strip() if topic else None,
                  sections=[Section(level=lv, title=t, offset=o) for lv, t, o in heads], citations=citations,
                  references=entries, papers=papers, plan=plan.strip() if plan else None,
                  usage=usage, warnings=warnings)
