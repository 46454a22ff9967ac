"""review-harness: evaluate literature-review generators on coverage, citations, length and cost."""

__version__ = "0.1.0"
