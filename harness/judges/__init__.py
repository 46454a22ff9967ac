"""Judges measured against people: human label records, agreement figures and judge cards.

schema (the label record), labelsets (shipped sets mapped, user JSONL read), agreement (the figures, pure),
validate (a method run over labels as scoring runs it), cards (the versioned record and its store), trust (which
judge a score counts and its card line), run (one validation end to end), paid (LLM judges through the runner).
"""

from harness.judges.schema import HumanLabel, LabelValue, label_of

__all__ = ["HumanLabel", "LabelValue", "label_of"]
