"""Text overlap with the task's reference text: ROUGE (rouge-score, stemmed) and windowed BERTScore (MiniLM)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from harness.models import Review, Score, Task
from harness.papers.resolve import ResolvedReview
from harness.scorers.family import Direction, scorer_family
from harness.core.text import strip_markers

if TYPE_CHECKING:
    from harness.scorers import ScoringContext

SCORES: dict[str, Direction] = {"overlap.rouge1": "higher", "overlap.rouge2": "higher", "overlap.rougeL": "higher",
                                "overlap.bertscore_f1": "higher"}
NAMES = list(SCORES)
ABOUT = {  # one line per score: what it measures (rendered into docs/metrics.md)
    "overlap.rouge1": "ROUGE-1 F against the task's reference text (stemmed)",
    "overlap.rouge2": "ROUGE-2 F against the task's reference text (stemmed)",
    "overlap.rougeL": "ROUGE-L F against the task's reference text (stemmed)",
    "overlap.bertscore_f1": "BERTScore F1 against the task's reference text (packaged MiniLM, windowed)",
    "overlap.extra.*": "a user's local `evaluate` metric (ScoringContext.extra_metrics)",
}
# a user's local `evaluate` metric (ctx.extra_metrics) may be better high or low: nobody declared which
EXTRA_PATTERNS: dict[str, Direction] = {"overlap.extra.*": "none"}
WINDOW_TOKENS = 510  # MiniLM's 512 positions minus [CLS]/[SEP]
WINDOW_STRIDE = 384  # windows overlap so no token loses its context at a cut

_bert = None


def _plain(text: str) -> str:
    return re.sub(r"[#*_`>|]", " ", strip_markers(text))


def rouge(candidate: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L F-measures with Porter stemming (rouge-score, the package behind HF evaluate's rouge)."""
    from rouge_score import rouge_scorer

    sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    res = sc.score(reference, candidate)
    return {k: float(v.fmeasure) for k, v in res.items()}


def _bert_scorer():
    """bert-score's scorer on the packaged MiniLM (model_type = its local path, num_layers = 6), built once."""
    global _bert
    if _bert is None:
        from bert_score import BERTScorer

        from harness.embeddings.encoder import model_path

        _bert = BERTScorer(model_type=str(model_path()), num_layers=6, lang="en", device="cpu")
    return _bert


def _token_embeddings(text: str) -> np.ndarray:
    """Unit layer-6 token embeddings of the whole text, encoded in overlapping 510-token windows."""
    import torch

    scorer = _bert_scorer()
    tok, model = scorer._tokenizer, scorer._model
    ids = tok(text, add_special_tokens=False, truncation=False)["input_ids"]
    if not ids:
        return np.zeros((0, model.config.hidden_size), dtype=np.float32)
    vecs = np.zeros((len(ids), model.config.hidden_size), dtype=np.float32)
    filled = np.zeros(len(ids), dtype=bool)
    start = 0
    while True:
        chunk = ids[start:start + WINDOW_TOKENS]
        inp = torch.tensor([[tok.cls_token_id] + chunk + [tok.sep_token_id]])
        with torch.no_grad():
            out = model(inp, attention_mask=torch.ones_like(inp))[0][0, 1:-1].numpy()
        # keep, for each token, the embedding from the first window that saw it away from its left edge
        for i in range(len(chunk)):
            pos = start + i
            if not filled[pos] or (start > 0 and i >= (WINDOW_TOKENS - WINDOW_STRIDE) // 2):
                vecs[pos] = out[i]
                filled[pos] = True
        if start + WINDOW_TOKENS >= len(ids):
            break
        start += WINDOW_STRIDE
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)
    return vecs


def bertscore_full(candidate: str, reference: str) -> dict[str, float]:
    """BERTScore P/R/F1 (greedy cosine matching, no idf, no baseline rescale) over every token of both texts."""
    c, r = _token_embeddings(candidate), _token_embeddings(reference)
    if len(c) == 0 or len(r) == 0:
        raise ValueError("empty text after tokenisation")
    sim = c @ r.T
    p = float(sim.max(axis=1).mean())
    rec = float(sim.max(axis=0).mean())
    return {"precision": p, "recall": rec, "f1": 2 * p * rec / (p + rec), "candidate_tokens": len(c),
            "reference_tokens": len(r)}


def extra_metric(metric_dir: str | Path, candidate: str, reference: str) -> dict:
    """Compute a user metric from a local `evaluate` metric directory (loaded only when asked for)."""
    import evaluate

    metric = evaluate.load(str(metric_dir))
    return metric.compute(predictions=[candidate], references=[reference])


@scorer_family("overlap", scores=SCORES, about=ABOUT, patterns=EXTRA_PATTERNS)
def score_overlap(resolved: ResolvedReview, task: Task, ctx: ScoringContext) -> list[Score]:
    """ROUGE and BERTScore against task.reference_text; not_applicable when the task has none."""
    review: Review = resolved.review
    if not (task.reference_text or "").strip():
        return [Score.na(n, "the task has no reference text to compare against") for n in NAMES]
    if not review.text.strip():
        return [Score.na(n, "the review has no text") for n in NAMES]
    cand, ref = _plain(review.text), _plain(task.reference_text or "")
    out: list[Score] = []
    r = rouge(cand, ref)
    for k in ("rouge1", "rouge2", "rougeL"):
        out.append(Score.ok(f"overlap.{k}", r[k], f"{k} F-measure vs the task reference text (rouge-score, stemmed)"))
    b = bertscore_full(cand, ref)
    out.append(Score.ok("overlap.bertscore_f1", b["f1"],
                        f"BERTScore F1 (MiniLM layer 6, no idf/rescale) over all {b['candidate_tokens']} / "
                        f"{b['reference_tokens']} tokens in 510-token windows", **b))
    for d in getattr(ctx, "extra_metrics", None) or []:
        label = Path(d).name
        try:
            res = extra_metric(d, cand, ref)
        except Exception as exc:  # a user metric failing is reported, not raised
            out.append(Score.err(f"overlap.extra.{label}", f"metric {d} failed: {type(exc).__name__}: {exc}"))
            continue
        for k, v in (res or {}).items():
            if isinstance(v, (int, float)):
                out.append(Score.ok(f"overlap.extra.{label}.{k}", float(v), f"{k} from local metric {d}"))
    return out
