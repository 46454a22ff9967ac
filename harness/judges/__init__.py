"""Judges measured against people: human label records, agreement figures and judge cards."""

from harness.judges.schema import HumanLabel, LabelValue, label_of

__all__ = ["HumanLabel", "LabelValue", "label_of"]
