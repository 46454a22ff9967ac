"""Per-citation verdict records: what the scorers write into Score.details, readable from existing run directories."""

from __future__ import annotations

import json

from harness.models import CitationVerdict, Score, SupportVerdict

# citations.on_topic_rate details["verdicts"] entries exactly as runs before the model stored them
STORED_RELEVANCE = [
    {"item": "2310.10196", "keys": ["1", "7"], "title": "Large Models for Time Series and Spatio-Temporal Data",
     "verdict": "on-topic", "basis": "in the reference bibliography"},
    {"item": "entry:3", "keys": ["3"], "title": "A Made-Up Paper", "verdict": "off-topic", "similarity": 0.1234,
     "basis": "title similarity (unresolved entry's parsed title)"},
    {"item": "2506.01364", "keys": ["5"], "title": None, "verdict": "unjudged", "basis": "no title"},
]
# citations.support_rate details["verdicts"] entries of the similarity and nli methods, and an unjudged pair
STORED_SUPPORT = [
    {"pair": "0|2310.10196", "sentence": "Foundation models forecast traffic", "item": "2310.10196",
     "supports": True, "similarity": 0.6123},
    {"pair": "1|2506.01364", "sentence": "Pipelines differ", "item": "2506.01364", "supports": False,
     "entailment": 0.0312},
    {"pair": "2|2506.01364", "sentence": "Unjudged", "item": "2506.01364", "supports": None},
]


def test_stored_relevance_verdicts_validate_and_write_back_unchanged():
    # through the JSON text a scores table keeps, as a report reads it
    raw = json.loads(Score.ok("citations.on_topic_rate", 0.5, "x", verdicts=STORED_RELEVANCE).model_dump_json())
    verdicts = CitationVerdict.read_list(raw["details"]["verdicts"])
    assert [v.verdict for v in verdicts] == ["on-topic", "off-topic", "unjudged"]
    assert verdicts[0].keys == ["1", "7"] and verdicts[1].similarity == 0.1234 and verdicts[2].title is None
    assert [v.to_details() for v in verdicts] == STORED_RELEVANCE


def test_older_key_and_paper_id_verdicts_and_junk_are_read_safely():
    old = CitationVerdict.model_validate({"key": 1, "paper_id": "2310.10196", "verdict": "On topic", "title": "T"})
    assert (old.key, old.paper_id, old.verdict) == ("1", "2310.10196", "on-topic")
    assert CitationVerdict.model_validate({"key": "1", "verdict": 'on-topic" onclick="x'}).verdict == "unknown"
    assert CitationVerdict.model_validate({"item": "x"}).verdict == "unknown"  # no verdict stored
    assert CitationVerdict.model_validate({"key": "3", "verdict": "unresolved"}).verdict == "unresolved"  # a view class
    assert len(CitationVerdict.read_list([STORED_RELEVANCE[0], "not a dict", 3, {"keys": "not a list"}])) == 1
    assert CitationVerdict.read_list(None) == [] and CitationVerdict.read_list("[]") == []


def test_stored_support_verdicts_validate_and_write_back_unchanged():
    verdicts = SupportVerdict.read_list(STORED_SUPPORT)
    assert [v.supports for v in verdicts] == [True, False, None]
    assert verdicts[0].similarity == 0.6123 and verdicts[1].entailment == 0.0312
    assert [v.to_details() for v in verdicts] == STORED_SUPPORT
    assert SupportVerdict.read_list([{"sentence": "no pair or item"}]) == []
    assert SupportVerdict.model_validate({"pair": "3|2310.10196", "supports": True}).item == "2310.10196"
