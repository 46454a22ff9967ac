"""Building a new task from a user's bibliography (BibTeX, JSONL) or an arXiv survey id (Semantic Scholar)."""
