"""Reference classes on the per-review pages: the counts and per-entry classes the citations scorer recorded."""

from __future__ import annotations

from typing import Any

from harness.papers.refclass import CLASSES
from harness.report.review_view import ReviewView, norm_key, parse_details

NOT_IN_TASK = "not a task paper (known or identified)"


def reference_classes(rows: list[dict[str, Any]]) -> tuple[list[tuple[str, int]], dict[str, str]]:
    """From one cell's score rows: (class, count) in harness.papers.refclass order, and entry key -> class where the
    details name it (web and unidentified exactly; other references outside the task as NOT_IN_TASK)."""
    details = {r["score"]: parse_details(r.get("details")) for r in rows}
    unresolved = details.get("citations.unresolved", {})
    counts = unresolved.get("classes") if isinstance(unresolved.get("classes"), dict) else {}
    ordered = [(c, int(counts[c])) for c in CLASSES if isinstance(counts.get(c), (int, float)) and counts[c]]
    by_key: dict[str, str] = {}
    for key in unresolved.get("keys") or []:
        by_key[norm_key(key)] = NOT_IN_TASK
    for score, cls in (("citations.web_sources", "web"), ("citations.unidentified", "unidentified")):
        for key in details.get(score, {}).get("keys") or []:
            by_key[norm_key(key)] = cls
    return ordered, by_key


def with_classes(view: ReviewView, by_key: dict[str, str], entry_keys: set[str]) -> ReviewView:
    """Add each cited entry's reference class to its hover text (entries not listed outside the task are in it)."""
    if not by_key:
        return view
    for mark in view.marks:
        for i, (key, verdict) in enumerate(zip(mark.keys, mark.verdicts)):
            if verdict == "dangling":
                continue
            key = norm_key(key)
            cls = by_key.get(key) or ("in_task" if key in entry_keys else None)
            if cls:
                tip = mark.tips[i]
                mark.tips[i] = f"{tip} · reference class: {cls}" if tip else f"reference class: {cls}"
    return view
