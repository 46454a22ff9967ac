"""Serialised data model: papers, tasks, reviews, scores and generations (pydantic, validated on load)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_serializer, model_validator

_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?$")
_ARXIV_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?:export\.)?arxiv\.org/(?:abs|pdf)/", re.I)
_ARXIV_PREFIX = re.compile(r"^arxiv:\s*", re.I)
_PDF_SUFFIX = re.compile(r"\.pdf$")
_TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # a task id names files and cells: never a path


def normalize_arxiv_id(value: str | None) -> str | None:
    """Strip prefixes, URLs and version suffixes from an arXiv id; None when it is not one."""
    if not value:
        return None
    v = str(value).strip()
    m = _ARXIV_NEW.match(v)
    if m:  # already a bare id, as nearly every stored one is (papers are validated wherever records load)
        return m.group(1)
    v = _PDF_SUFFIX.sub("", _ARXIV_PREFIX.sub("", _ARXIV_URL.sub("", v))).strip().strip("/")
    m = _ARXIV_NEW.match(v)
    if m:
        return m.group(1)
    m = _ARXIV_OLD.match(v)
    if m:
        return m.group(1)
    return None


def normalize_title(title: str | None) -> str:
    """Lower-case, strip accents-free punctuation and collapse spaces: the key for exact title matching."""
    if not title:
        return ""
    t = title.lower()
    t = re.sub(r"\$[^$]*\$", " ", t)
    t = re.sub(r"[^\w\s]", " ", t)
    t = t.replace("_", " ")
    return re.sub(r"\s+", " ", t).strip()


def paper_id_for(arxiv_id: str | None, title: str) -> str:
    """Stable paper id: the arXiv id when known, else a short hash of the normalised title."""
    aid = normalize_arxiv_id(arxiv_id)
    if aid:
        return aid
    return "t-" + hashlib.sha1(normalize_title(title).encode()).hexdigest()[:12]


def content_hash(obj: Any) -> str:
    """sha256 of the canonical JSON of obj (sorted keys): used for task, prompt and config hashes."""
    data = obj.model_dump(mode="json") if isinstance(obj, BaseModel) else obj
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class Strict(BaseModel):
    """Base for serialised records: unknown fields are an error, so typos in files are caught."""

    model_config = ConfigDict(extra="forbid")


class Paper(Strict):
    """One paper: bibliographic facts, abstract when known."""

    id: str
    title: str
    arxiv_id: str | None = None
    doi: str | None = None
    year: int | None = None
    authors: list[str] = Field(default_factory=list)
    abstract: str | None = None
    url: str | None = None
    provenance: dict[str, Any] | None = None  # where the title / abstract came from and their grade

    @field_validator("arxiv_id", mode="before")
    @classmethod
    def _strip_version(cls, v: Any) -> Any:
        if v is None or v == "":
            return None
        norm = normalize_arxiv_id(str(v))
        if norm is None:
            raise ValueError(f"not an arXiv id: {v!r}")
        return norm

    @field_validator("title")
    @classmethod
    def _title_nonempty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("title is empty")
        return v


PoolRole = Literal["reference", "topical", "near-topic", "off-topic"]


class PoolItem(Strict):
    """A candidate paper offered to generators, and why it is in the pool (hidden from generators)."""

    paper_id: str
    role: PoolRole


class ReferenceSurvey(Strict):
    """The human-written survey a task is built on."""

    title: str
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    arxiv_id: str | None = None
    url: str | None = None
    outline: list[str] = Field(default_factory=list)
    outline_note: str | None = None
    alternate_outline: list[str] = Field(default_factory=list)  # e.g. a companion repository's headings


class WordRange(Strict):
    """Inclusive word target."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> WordRange:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self

    @property
    def midpoint(self) -> float:
        return (self.min + self.max) / 2


class RefRange(Strict):
    """Target number of distinct references; max may be open."""

    min: int = Field(ge=0)
    max: int | None = None


class Task(Strict):
    """A topic, its reference survey and bibliography, and the candidate pool a generator is offered."""

    id: str
    topic: str
    since: int | None = None
    target_words: WordRange | None  # null only when explicit: no word target (a review scored on its own)
    target_references: RefRange
    reference_survey: ReferenceSurvey
    alternate_reference_surveys: list[ReferenceSurvey] = Field(default_factory=list)
    papers: list[Paper]
    reference_papers: list[str]
    pool: list[PoolItem]
    pooled_reference_ids: list[str] = Field(default_factory=list)
    surveybench_topic: str | None = None
    reference_text: str | None = None
    provenance: dict[str, Any] = Field(default_factory=dict)
    bibliography: Literal["reference", "none"] = "reference"  # "none": no reference bibliography, said explicitly
    content_hash: str | None = None
    _paper_index: dict[str, Paper] | None = PrivateAttr(default=None)

    @field_validator("id")
    @classmethod
    def _id_plain(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the task id is empty (give a short name such as 'graph-neural-networks')")
        if not _TASK_ID.match(v) or ".." in v:
            raise ValueError(f"task id {v!r} is not a plain name: use letters, digits, '.', '_' and '-' only "
                             "(no '/', '..' or spaces)")
        return v

    @field_validator("topic")
    @classmethod
    def _topic_nonempty(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the topic is empty (generators are asked to review it)")
        return v

    @model_validator(mode="after")
    def _ids_resolve(self) -> Task:
        known: set[str] = set()
        arxiv: dict[str, int] = {}
        for i, p in enumerate(self.papers):
            if p.id in known:
                raise ValueError(f"papers[{i}].id {p.id!r} is duplicated")
            known.add(p.id)
            if p.arxiv_id and p.arxiv_id in arxiv:
                j = arxiv[p.arxiv_id]
                raise ValueError(f"papers[{i}].arxiv_id {p.arxiv_id!r} is also the arXiv id of papers[{j}] "
                                 f"({self.papers[j].id!r}): one paper is listed twice; merge them")
            if p.arxiv_id:
                arxiv[p.arxiv_id] = i
        _first_repeat(self.reference_papers, "reference_papers[{i}] {v!r} is listed twice (first as "
                                             "reference_papers[{j}]): the bibliography must list each paper once")
        for i, pid in enumerate(self.reference_papers):
            if pid not in known:
                raise ValueError(f"reference_papers[{i}] {pid!r} is not in papers")
        _first_repeat([item.paper_id for item in self.pool],
                      "pool[{i}].paper_id {v!r} is listed twice (first as pool[{j}]): the pool offers each paper once")
        for i, item in enumerate(self.pool):
            if item.paper_id not in known:
                raise ValueError(f"pool[{i}].paper_id {item.paper_id!r} is not in papers")
        if self.bibliography == "none" and self.reference_papers:
            raise ValueError("reference_papers is not empty but bibliography is 'none'")
        if not self.reference_papers and self.bibliography != "none":
            raise ValueError("reference_papers is empty: a task needs a reference bibliography "
                             "(or says so explicitly with bibliography: none)")
        return self

    @property
    def has_bibliography(self) -> bool:
        """False for a task that explicitly has no reference bibliography (bibliography: none)."""
        return self.bibliography != "none"

    def compute_hash(self) -> str:
        """Hash of everything but the stored hash itself."""
        return content_hash(self.model_dump(mode="json", exclude={"content_hash"}))

    @model_serializer(mode="wrap")
    def _default_bibliography_unwritten(self, handler):
        """`bibliography` is written only when it is not the default, so existing task files and hashes stay."""
        data = handler(self)
        if isinstance(data, dict) and self.bibliography == "reference":
            data.pop("bibliography", None)
        return data

    def paper(self, paper_id: str) -> Paper:
        return self._by_id()[paper_id]

    def _by_id(self) -> dict[str, Paper]:
        if self._paper_index is None:
            self._paper_index = {p.id: p for p in self.papers}
        return self._paper_index

    @property
    def reference_set(self) -> set[str]:
        return set(self.reference_papers)

    def pool_papers(self) -> list[Paper]:
        """Pool papers in pool order (what generators see)."""
        idx = self._by_id()
        return [idx[item.paper_id] for item in self.pool]

    def role_of(self, paper_id: str) -> str | None:
        """Why a paper is in the pool (or 'reference' for bibliography papers outside it)."""
        for item in self.pool:
            if item.paper_id == paper_id:
                return item.role
        return "reference" if paper_id in self.reference_set else None


def _first_repeat(values: list[str], message: str) -> None:
    """Raise ValueError(message) for the first value seen before (i: its index, j: the first one, v: the value)."""
    first: dict[str, int] = {}
    for i, v in enumerate(values):
        if v in first:
            raise ValueError(message.format(i=i, j=first[v], v=v))
        first[v] = i


class Section(Strict):
    """A heading of the review: level (1 = '#') and title; offset is its character position in text."""

    level: int
    title: str
    offset: int = 0


class Citation(Strict):
    """One in-text citation group: the sentence, the raw markers, the keys they name, and resolved papers."""

    sentence: str
    marker: str
    keys: list[str]
    paper_ids: list[str | None] = Field(default_factory=list)
    section: str | None = None
    offset: int = 0
    style: str | None = None  # marker style (harness.readers.markers): numeric, author-year, bare, latex, ...


class ReferenceEntry(Strict):
    """One entry of the review's reference list, parsed, and the paper it resolved to (or None)."""

    key: str
    raw: str
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    year: int | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    url: str | None = None
    paper_id: str | None = None
    match: str | None = None
    aliases: list[str] = Field(default_factory=list)  # other numbers sharing this entry ("1 3 7 Title url")
    ref_class: str | None = None  # harness.papers.refclass: in_task, in_pool, known, identified, conflict, invalid_id, ...


class StageUsage(Strict):
    """Tokens, cost and timing of one generation stage (one or more LLM calls)."""

    name: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    max_tokens: int | None = None
    finish_reason: str | None = None
    latency_s: float | None = None
    calls: int = 1
    # a stage of several calls (outline_sections' sections): how many calls stopped at their own max_tokens;
    # its output_tokens is their sum, which says nothing about any one call's cap
    calls_at_cap: int | None = None


class Usage(Strict):
    """Usage of a whole generation; cost_source says where the price came from."""

    stages: list[StageUsage] = Field(default_factory=list)
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    cost_source: str | None = None
    model: str | None = None
    latency_s: float | None = None


class Review(Strict):
    """A generated literature review, parsed into body, sections, citations and references."""

    source_format: str
    text: str
    title: str | None = None
    topic: str | None = None
    sections: list[Section] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    references: list[ReferenceEntry] = Field(default_factory=list)
    papers: list[Paper] = Field(default_factory=list)
    plan: str | None = None
    usage: Usage | None = None
    finish_reason: str | None = None
    warnings: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)  # the files the reader read (names), shown by inspect


ScoreStatus = Literal["ok", "not_applicable", "error"]


class Score(Strict):
    """One named measurement; value is None unless status is ok."""

    name: str
    value: float | None
    status: ScoreStatus
    explanation: str
    details: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _value_matches_status(self) -> Score:
        if self.status == "ok" and self.value is None:
            raise ValueError(f"score {self.name}: status ok needs a value")
        if self.status != "ok" and self.value is not None:
            raise ValueError(f"score {self.name}: status {self.status} must not carry a value")
        return self

    @classmethod
    def ok(cls, name: str, value: float, explanation: str, **details: Any) -> Score:
        return cls(name=name, value=float(value), status="ok", explanation=explanation, details=details)

    @classmethod
    def na(cls, name: str, why: str, **details: Any) -> Score:
        return cls(name=name, value=None, status="not_applicable", explanation=why, details=details)

    @classmethod
    def err(cls, name: str, why: str, **details: Any) -> Score:
        return cls(name=name, value=None, status="error", explanation=why, details=details)


# The citations scorer writes on-topic, off-topic or unjudged; runs written by other tools may store a class of the
# HTML view itself (unresolved, unverifiable, dangling, resolved); anything else reads back as unknown.
RelevanceVerdict = Literal["on-topic", "off-topic", "unjudged", "unresolved", "unverifiable", "dangling", "resolved",
                           "unknown"]


class _StoredRecord(BaseModel):
    """Base for records the scorers write into Score.details: read back from old runs, extra keys ignored."""

    model_config = ConfigDict(extra="ignore")

    def to_details(self) -> dict[str, Any]:
        """The stored JSON form: every field, except optional ones left unset (today's dict shape)."""
        return self.model_dump(mode="json", exclude={n for n in self.OPTIONAL if getattr(self, n) is None})

    OPTIONAL: ClassVar[tuple[str, ...]] = ()  # fields written only when set

    @classmethod
    def read_list(cls, raw: Any) -> list[Any]:
        """The valid records of a stored list (dicts or records); anything unreadable is left out."""
        out = []
        for item in raw if isinstance(raw, list) else []:
            try:
                out.append(item if isinstance(item, cls) else cls.model_validate(item))
            except ValueError:
                continue
        return out


def _as_text(v: Any) -> Any:
    return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


class CitationVerdict(_StoredRecord):
    """The relevance verdict on one cited item (citations.on_topic_rate's details["verdicts"], read by the HTML
    view): which item and review keys, on- or off-topic or unjudged, on what basis, with the title similarity."""

    item: str | None = None  # a task paper id, "own:<id>" (review's own list), "entry:<key>" / "marker:<key>"
    keys: list[str] = Field(default_factory=list)  # the review keys citing the item
    title: str | None = None
    verdict: RelevanceVerdict = "unknown"
    basis: str | None = None  # "in the reference bibliography", "title similarity", "no title", ...
    similarity: float | None = None  # title-topic cosine, when that decided
    key: str | None = None  # one review key (written by older runs and other tools instead of item / keys)
    paper_id: str | None = None
    score: float | None = None  # the relevance method's score (higher = more on-topic)
    threshold: float | None = None  # the cut the score was compared with
    method: str | None = None  # the relevance method that decided
    ref_class: str | None = None  # harness.papers.refclass class (unidentified references are judged too)
    evidence: dict[str, Any] | None = None  # what was compared: the text judged, topic / nearest-title cosines

    OPTIONAL: ClassVar[tuple[str, ...]] = ("basis", "similarity", "key", "paper_id", "score", "threshold", "method",
                                           "ref_class", "evidence")

    @field_validator("item", "key", "paper_id", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return _as_text(v)

    @field_validator("keys", mode="before")
    @classmethod
    def _texts(cls, v: Any) -> Any:
        return [_as_text(k) for k in v] if isinstance(v, (list, tuple)) else v

    @field_validator("verdict", mode="before")
    @classmethod
    def _known_verdict(cls, v: Any) -> str:
        """'On topic', 'on_topic' -> 'on-topic'; any other string (e.g. markup) -> 'unknown', never a class name."""
        norm = str(v or "").strip().lower().replace("_", "-").replace(" ", "-")
        return norm if norm in get_args(RelevanceVerdict) else "unknown"


class SupportVerdict(_StoredRecord):
    """Whether one cited paper supports one citing sentence (citations.support_rate's details["verdicts"], read
    for agreement between support methods): the pair id '<claim>|<item>', the sentence, and the method's value."""

    pair: str
    sentence: str = ""
    item: str
    supports: bool | None  # None: the method could not judge the pair
    similarity: float | None = None  # the similarity method's cosine
    entailment: float | None = None  # the nli method's entailment probability (signals: probability of support)
    copied: str | None = None  # "title" | "abstract": the sentence copies it, so it is not supported

    OPTIONAL: ClassVar[tuple[str, ...]] = ("similarity", "entailment", "copied")

    @field_validator("pair", "item", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return _as_text(v)

    @model_validator(mode="before")
    @classmethod
    def _item_from_pair(cls, data: Any) -> Any:
        """A record stored without its item (it is the pair id's second part) gets it from the pair."""
        if isinstance(data, dict) and data.get("item") is None and "|" in str(data.get("pair") or ""):
            data = {**data, "item": str(data["pair"]).split("|", 1)[1]}
        return data
