"""A tiny randomly initialised BERT cross-encoder with NLI labels, built and saved locally (nothing downloaded)."""

from __future__ import annotations

from pathlib import Path

WORDS = ("graph networks learn node embeddings by message passing spectral filters attention weighs neighbours "
         "sampling scales training to large graphs we propose a method . study with approach as shown work on "
         "the this line of").split()


def build_tiny_nli(path: Path, words: list[str] = WORDS) -> Path:
    """Save a 1-layer, 16-wide BERT sequence classifier (contradiction / entailment / neutral) and its tokenizer."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(set(words))]
    (path / "vocab.txt").write_text("\n".join(vocab))
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=256, num_labels=3,
                     id2label={0: "contradiction", 1: "entailment", 2: "neutral"},
                     label2id={"contradiction": 0, "entailment": 1, "neutral": 2})
    BertForSequenceClassification(cfg).save_pretrained(path)
    BertTokenizerFast(vocab_file=str(path / "vocab.txt"), do_lower_case=True).save_pretrained(path)
    return path
