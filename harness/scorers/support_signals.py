"""Support method `signals`: a logistic model over signals of support, fitted on the shipped labelled sets.

Each (citing sentence, cited title + abstract) pair becomes a few interpretable signals (FEATURES):
topical closeness at the document and the sentence level (MiniLM cosine), how much of the sentence's wording
and numbers the source contains, and whether negation or the direction of an effect (increase / decrease)
differs between the sentence and the source sentence closest to it. A logistic model over them, fitted by
scripts/train_support_judge.py on the train/dev/val splits of Check-COVID, ExpertQA and WiCE, gives a
probability of support; the pair is supported when it reaches the threshold stored with the weights
(harness/data/support_judge/signals.json, a few KB, committed; a test rebuilds it). Support scoring sets a
sentence that copies its cited title or abstract apart before any method runs (harness.scorers.copying).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from harness.core.errors import HarnessError
from harness.scorers.judge_methods import MethodResult, SupportMethod
from harness.core.text import content_words, split_sentences

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "support_judge" / "signals.json"
MAX_SOURCE_SENTENCES = 60  # sentences of a long source compared one by one (web pages in the label sets)
_NEG = frozenset("""not no never none neither nor without cannot cant can't don't doesn't didn't isn't aren't
wasn't weren't won't wouldn't shouldn't hasn't haven't hadn't fail fails failed lack lacks lacking absence absent
unable nothing unaffected unrelated insignificant nonsignificant ineffective unchanged""".split())
_UP = ("increas", "higher", "more", "greater", "rais", "elevat", "enhanc", "improv", "promot", "upregulat",
       "up-regulat", "boost", "accelerat", "induc", "activat", "stimulat", "augment", "exceed", "outperform",
       "gain", "rise", "rises", "risen", "benefit", "strengthen")
_DOWN = ("decreas", "reduc", "lower", "less", "fewer", "inhibit", "suppress", "downregulat", "down-regulat",
         "impair", "worsen", "prevent", "block", "attenuat", "diminish", "declin", "drop", "loss", "weaken",
         "slow", "shorten", "underperform", "protect")
_WORD = re.compile(r"[a-z][a-z'\-]*")
_NUM = re.compile(r"\d+(?:[.,]\d+)?")

FEATURES = ("cos_doc", "cos_max", "cos_2nd", "lex_doc", "lex_best", "lex_max", "bigram_doc", "novel_words",
            "neg_claim", "neg_best", "neg_mismatch", "num_claim", "num_missing", "dir_claim", "dir_best",
            "dir_conflict", "dir_agree", "cosmax_x_negmis", "cosmax_x_dirconf", "cosmax_x_lexdoc")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def negated(text: str) -> bool:
    """Whether the text holds a negation word ("not", "no", "fails", "without", ...)."""
    return any(w in _NEG or w.endswith("n't") for w in _words(text))


def direction(text: str) -> int:
    """+1 when the text's effect words say up (increase, higher, ...), -1 when down, 0 when neither or tied;
    a negation flips it ("does not increase" is down)."""
    ws = _words(text)
    up = sum(w.startswith(_UP) for w in ws)
    down = sum(w.startswith(_DOWN) for w in ws)
    d = (up > down) - (down > up)
    return -d if negated(text) else d


def numbers(text: str) -> set[str]:
    """The numbers a text states, normalised ("1,000" -> "1000", "30.0" kept as written otherwise)."""
    return {n.replace(",", "") for n in _NUM.findall(text)}


def _share(words: Sequence[str], pool: set) -> float:
    return sum(w in pool for w in words) / len(words) if words else 0.0


def _bigrams(words: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


def source_sentences(title: str | None, text: str) -> list[str]:
    """The source split into sentences (the title first when given), at most MAX_SOURCE_SENTENCES."""
    sents = ([title.strip()] if title and title.strip() else []) + split_sentences(" ".join(text.split()))
    return sents[:MAX_SOURCE_SENTENCES] or [" "]


def premise(title: str | None, text: str) -> str:
    return f"{title.rstrip('.')}. {text}" if title else text


def features(pairs: Sequence[tuple[str, str | None, str]], embedder) -> np.ndarray:
    """The FEATURES of each (claim, title, source text) pair, as an (n, len(FEATURES)) array."""
    srcs = [source_sentences(t, x) for _, t, x in pairs]
    docs = [premise(t, x) for _, t, x in pairs]
    uniq = list(dict.fromkeys([c for c, _, _ in pairs] + docs + [s for ss in srcs for s in ss]))
    emb = embedder.encode(uniq)
    row = {t: i for i, t in enumerate(uniq)}
    out = np.zeros((len(pairs), len(FEATURES)), dtype=np.float64)
    for k, ((claim, _, _), doc, sents) in enumerate(zip(pairs, docs, srcs)):
        c = emb[row[claim]]
        sims = emb[[row[s] for s in sents]] @ c
        order = np.argsort(-sims, kind="stable")
        out[k] = _pair_row(claim, doc, sents, float(c @ emb[row[doc]]), sims, order)
    return out


def _pair_row(claim: str, doc: str, sents: list[str], cos_doc: float, sims: np.ndarray, order) -> list[float]:
    best = sents[int(order[0])]
    cw = content_words(claim)
    doc_w = set(content_words(doc))
    lex_sent = [_share(cw, set(content_words(s))) for s in sents]
    nc, nb = negated(claim), negated(best)
    cn = numbers(claim)
    dc, db = direction(claim), direction(best)
    cos_max = float(sims[order[0]])
    cos_2nd = float(sims[order[1]]) if len(order) > 1 else cos_max
    lex_doc = _share(cw, doc_w)
    bi = _bigrams(cw)
    vals = {"cos_doc": cos_doc, "cos_max": cos_max, "cos_2nd": cos_2nd, "lex_doc": lex_doc,
            "lex_best": lex_sent[int(order[0])], "lex_max": max(lex_sent),
            "bigram_doc": len(bi & _bigrams(content_words(doc))) / len(bi) if bi else 0.0,
            "novel_words": math.log1p(sum(w not in doc_w for w in cw)),
            "neg_claim": float(nc), "neg_best": float(nb), "neg_mismatch": float(nc != nb),
            "num_claim": float(bool(cn)), "num_missing": (len(cn - numbers(doc)) / len(cn)) if cn else 0.0,
            "dir_claim": float(dc), "dir_best": float(db), "dir_conflict": float(dc * db < 0),
            "dir_agree": float(dc * db > 0)}
    vals["cosmax_x_negmis"] = cos_max * vals["neg_mismatch"]
    vals["cosmax_x_dirconf"] = cos_max * vals["dir_conflict"]
    vals["cosmax_x_lexdoc"] = cos_max * lex_doc
    return [vals[f] for f in FEATURES]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (deterministic); (weights, bias) on x as given."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0  # the bias is not shrunk
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return w[:-1], float(w[-1])


@dataclass(frozen=True)
class SignalsModel:
    """Fitted weights over standardised FEATURES, the verdict threshold and how it was made (provenance)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Probability of support per row of features."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights) + self.bias)))

    def to_json(self) -> str:
        return json.dumps({"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
                           "weights": list(self.weights), "bias": self.bias, "threshold": self.threshold,
                           "meta": self.meta}, indent=1, sort_keys=True) + "\n"

    @property
    def identity(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]


def fit_model(x: np.ndarray, y: np.ndarray, threshold: float, l2: float, meta: dict) -> SignalsModel:
    """A SignalsModel fitted on standardised x."""
    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1.0
    w, b = fit_logistic((x - mean) / scale, y, l2)
    r = lambda v: tuple(round(float(t), 6) for t in v)  # noqa: E731 - rounded so the file is stable
    return SignalsModel(FEATURES, r(mean), r(scale), r(w), round(b, 6), round(threshold, 6), meta)


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> SignalsModel:
    """The committed signals model; HarnessError naming the file when it is missing or not this version's."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HarnessError(f"cannot read the support judge's weights ({type(exc).__name__})", path=path,
                           hint="rebuild them: python scripts/train_support_judge.py") from None
    if tuple(d.get("features", ())) != FEATURES:
        raise HarnessError("the support judge's weights were fitted on other features", path=path, field="features",
                           hint="rebuild them: python scripts/train_support_judge.py")
    return SignalsModel(tuple(d["features"]), tuple(d["mean"]), tuple(d["scale"]), tuple(d["weights"]),
                        d["bias"], d["threshold"], d.get("meta", {}))


def score_pairs(pairs: Sequence[tuple[str, str | None, str]], embedder, model: SignalsModel) -> np.ndarray:
    """Probability of support per (claim, title, source text) pair."""
    if not pairs:
        return np.zeros(0)
    return model.predict(features(pairs, embedder))


def judge_signals(claims, task, ctx, spec=None) -> MethodResult:
    """Per-pair verdicts by the fitted signals model (copied pairs are set apart before, by support scoring)."""
    model = load_model()
    pairs = [(c, e) for c in claims for e in c.evidence]
    probs = score_pairs([(c.text, e.title, e.abstract) for c, e in pairs], ctx.embedder(), model)
    res = MethodResult(model=f"signals@{model.identity}", prompt_hash=None, value_key="entailment",
                       label=f"fitted support model (signals of topic, wording, numbers, negation, direction), "
                             f"p >= {model.threshold:.2f}; test AUROC {model.meta.get('test_auroc_text', 'n/a')}",
                       recall_phrase="are judged supported by at least one cited abstract",
                       precision_phrase="are judged supported",
                       details={"model_identity": model.identity, "threshold_used": model.threshold,
                                "calibration_id": model.identity, "rule": RULE})
    for (c, e), p in zip(pairs, probs):
        res.set_pair(c.index, e.key, bool(p >= model.threshold), round(float(p), 4))
    for c in claims:
        res.recall[c.index] = any(res.pairs[(c.index, e.key)] for e in c.evidence)
    return res


RULE = "logistic model over similarity, wording, number, negation and direction signals >= fitted threshold"
METHOD = SupportMethod("signals", judge_signals, measures="a logistic model over signals of support (topical "
                       "closeness, shared wording and numbers, negation and direction agreement), fitted on "
                       "labelled support sets")
