"""Agreement between support methods and whether two runs' support scores are comparable (pure functions).

Every support score's details hold its method, model and prompt hash, and the support_rate row keeps the
per-(claim, paper) verdicts; from those, Cohen's kappa measures how often two methods present in one run agree
on a citation beyond chance, and `support_identities` tells `harness compare` which judge made a score.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from harness.models import SupportVerdict

SUPPORT_PREFIXES = ("citations.support_rate", "citations.support_precision")
SIMILARITY_MODEL = "sentence-transformers/all-MiniLM-L6-v2"  # what similarity used before scores named a model


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's kappa of two binary raters over the same items; None without items or when chance agreement is 1."""
    if len(a) != len(b):
        raise ValueError("kappa needs two verdict lists of one length")
    n = len(a)
    if n == 0:
        return None
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(map(bool, a)) / n, sum(map(bool, b)) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    if pe >= 1.0:
        return None  # both raters constant and equal: agreement is certain, kappa undefined
    return (po - pe) / (1 - pe)


def identity(details: dict[str, Any]) -> str:
    """'method | model | prompt hash' of a support score (runs from before the methods count as similarity)."""
    method = details.get("method")
    if method not in ("similarity", "nli", "llm"):
        method = "similarity"
    model = details.get("model") or (SIMILARITY_MODEL if method == "similarity" else "-")
    prompt = details.get("prompt_hash")
    return f"{method} | {model} | {prompt[:12] if prompt else '-'}"


def _details(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        out = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return out if isinstance(out, dict) else {}


def support_identities(rows: Iterable[dict[str, Any]]) -> dict[str, set[str]]:
    """score name -> the identities of the judges that made it, over rows with keys score, status, details."""
    out: dict[str, set[str]] = {}
    for r in rows:
        name = r.get("score") or ""
        if name.startswith(SUPPORT_PREFIXES) and r.get("status") == "ok":
            out.setdefault(name, set()).add(identity(_details(r.get("details"))))
    return out


def incomparable(base_rows: Iterable[dict[str, Any]], cand_rows: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Support metrics whose two runs were judged by different methods, models or prompts -> why."""
    b, c = support_identities(base_rows), support_identities(cand_rows)
    return {m: f"{m} was made by {' + '.join(sorted(b[m]))} in the baseline and by {' + '.join(sorted(c[m]))} "
               "in the candidate" for m in sorted(set(b) & set(c)) if b[m] != c[m]}


@dataclass(frozen=True)
class Agreement:
    """Per-citation agreement between two support methods over the pairs both judged, in one run."""

    method_a: str
    method_b: str
    n_pairs: int
    observed: float | None
    kappa: float | None


def method_agreement(rows: Iterable[dict[str, Any]]) -> list[Agreement]:
    """Cohen's kappa between every two support methods present in a run's rows (score, cell, details).

    Pairs are matched by cell and (claim, paper) id from the support_rate rows' verdicts."""
    verdicts: dict[str, dict[tuple[str, str], bool]] = {}
    for r in rows:
        name = r.get("score") or ""
        if not name.startswith("citations.support_rate") or r.get("status") != "ok":
            continue
        det = _details(r.get("details"))
        label = identity(det)
        for v in SupportVerdict.read_list(det.get("verdicts")):
            if v.supports is not None and v.pair:
                verdicts.setdefault(label, {})[(str(r.get("cell")), v.pair)] = v.supports
    labels = sorted(verdicts)
    out: list[Agreement] = []
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            common = sorted(set(verdicts[a]) & set(verdicts[b]))
            xa, xb = [verdicts[a][k] for k in common], [verdicts[b][k] for k in common]
            obs = sum(x == y for x, y in zip(xa, xb)) / len(common) if common else None
            out.append(Agreement(a, b, len(common), obs, cohen_kappa(xa, xb)))
    return out


def self_preferring(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Generators whose support scores came from a judge of their own model family (they may be inflated)."""
    return sorted({str(r.get("generator")) for r in rows if str(r.get("score") or "").startswith(
        "citations.support_rate") and _details(r.get("details")).get("self_preference")})


def support_notes(rows: Iterable[dict[str, Any]]) -> list[str]:
    """One line per support method of a run's support_rate rows: what its verdict measures (its judge card in
    one line) and the share of citation occurrences it judged, so a "support" column never stands unlabelled."""
    seen: dict[str, dict[str, Any]] = {}
    for r in rows:
        name = str(r.get("score") or "")
        if not name.startswith("citations.support_rate"):
            continue
        det = _details(r.get("details"))
        agg = seen.setdefault(name, {"method": det.get("method") or "similarity", "measures": det.get("measures"),
                                     "occ": 0, "judged": 0})
        agg["occ"] += int(det.get("occurrences") or 0)
        agg["judged"] += int(det.get("occurrences_judged") or 0)
    out = []
    for name, a in sorted(seen.items()):
        what = a["measures"] or ("topical closeness of the citing sentence to the cited abstract, not whether it "
                                 "backs the claim" if a["method"] == "similarity" else "see the score's details")
        share = (f"; it judged {a['judged']} of {a['occ']} citation occurrences ({100 * a['judged'] / a['occ']:.0f}%), "
                 "the rest cite papers with no known abstract" if a["occ"] else "")
        out.append(f"{name} is judged by `{a['method']}`: {what}{share}.")
    return out
