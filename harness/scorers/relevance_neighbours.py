"""Relevance methods `neighbours` and `contrast` (the default): closeness to the topic and to the task's bibliography.

A reference's text is its title cleaned of scraping debris, plus its URL's slug words (relevance_text). Its score
is the mean of two cosines, in MiniLM for Latin-script titles and for Chinese titles the shipped glossary covers
(glossed into English terms first: relevance_gloss), and in the multilingual USE v3 space for other scripts
(harness.embeddings.multilingual; a Japanese title and an English topic are comparable there): to the task topic,
and the mean of its K nearest titles in the task's bibliography (so a short jargon title such as "CLIP:
Connecting text and images" is judged by the papers the field cites, not only by the wording of one topic
sentence). Papers of the bibliography are on-topic.

Calibration, per task, on data other than any labelled review: positives are the bibliography's own titles (each
scored leave-one-out against the rest); negatives are the shipped off-topic pools (CS distractors of their
calibration half by `calibration_study.split_of`'s hash rule, and the physics pool). The cut is the balanced-Youden
cut raised until at most MAX_CS_FPR of the CS calibration half passes; the CS test half's FPR is reported. Glossed
and other-script titles are scored against their space's cut less its cross-lingual shift (how much lower a
translated bibliography title scores than its English original; relevance_crosslingual, on shipped translations). A
task without a bibliography (task-free scoring) uses the topic cosine alone with the generic rule fitted on the
shipped suite (generic_topic.calibrate_generic, in the same multilingual space). Abstracts are not scored: most
cited references have only a title, and mixing title+abstract texts with bare titles would let length, not topic,
decide.

Method `contrast` is the same with the full nearest-topic margin (weight 1.0 instead of CONTRAST): a reference must be
closer to this topic than to the closest other suite topic, so a general-area reference off the topic's facet (a
generic LLM paper in an "LLMs for time series" review) falls below the cut; it also rejects references shared by two
overlapping topics (multi-agent LLM papers closer to agentic RL). Same calibration, its own disk-cache entry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from harness.models import Task, normalize_title
from harness.scorers.calibration import auroc, balanced_youden_threshold, rates_at
from harness.scorers.calibration_cache import disk_cached
from harness.scorers.calibration_study import capped_fpr_cut
from harness.scorers.context import ScoringSuite
from harness.scorers.generic_topic import calibrate_generic
from harness.scorers.judge_methods import RelevanceJudgment, RelevanceMethod, RelevanceRef, RelevanceResult
from harness.scorers.relevance import fmt_figure
from harness.scorers.relevance_crosslingual import CrossLingualShift, TranslatedSuite, measure_shift, shipped_translations
from harness.scorers.relevance_gloss import GlossEmbedder, shipped_gloss, shipped_glossable
from harness.scorers.relevance_text import reference_text
from harness.tasks.shipped import Pool

K = 3
MAX_CS_FPR = 0.05
MAX_POSITIVES = 300
CONTRAST = 0.3  # weight of the closest other suite topic's score, subtracted
SAME_TOPIC = 0.8  # suite tasks whose topic is this close (cosine) are the same topic, never competitors
SHARED_BIB = 0.2  # ... and so are those sharing this share of the bibliography's titles


@dataclass(frozen=True)
class NeighbourCalibration:
    """A task's topic vector, bibliography titles, on-topic cut and the held-out figures it was measured with."""

    task_id: str
    topic_vec: np.ndarray = field(repr=False)
    bib_titles: tuple[str, ...] = ()
    threshold: float | None = None
    auroc_cs: float | None = None
    auroc_physics: float | None = None
    tpr: float | None = None  # leave-one-out, on the bibliography's titles
    fpr_cs_test: float | None = None
    fpr_physics: float | None = None
    n_reference: int = 0
    n_cs_calibration: int = 0
    n_cs_test: int = 0
    n_physics: int = 0
    generic: dict | None = None  # a task without a bibliography: the generic calibration's details
    reason: str | None = None
    competitors: tuple[str, ...] = ()  # other suite topics contrasted with, as "task id@content hash"
    contrast: float = CONTRAST  # weight of the closest other topic's closeness, subtracted

    def details(self) -> dict:
        out = {"threshold": self.threshold, "k_neighbours": K, "auroc_off_topic": self.auroc_physics,
               "auroc_cs": self.auroc_cs, "tpr_bibliography_loo": self.tpr, "fpr_cs_test_half": self.fpr_cs_test,
               "fpr_physics": self.fpr_physics, "n_reference": self.n_reference,
               "n_cs_calibration": self.n_cs_calibration, "n_cs_test": self.n_cs_test, "n_physics": self.n_physics,
               "text_form": "cleaned title + URL slug words", "contrast": self.contrast,
               "competitors": [c.split("@")[0] for c in self.competitors]}
        if self.generic is not None:
            out["generic"] = self.generic
        if self.reason:
            out["reason"] = self.reason
        return out


def _half(paper_id: str) -> str:
    """'calibration' or 'test' for a CS distractor, by the parity of sha256(paper id) (the same for every task)."""
    return "calibration" if int(hashlib.sha256(paper_id.encode()).hexdigest(), 16) % 2 else "test"


def _neighbour_cos(vecs: np.ndarray, bib: np.ndarray, exclude: list[int] | None = None) -> np.ndarray:
    """Mean of each row's K highest cosines to the bibliography rows (exclude[i]: a row of bib left out)."""
    if len(vecs) == 0 or len(bib) == 0:
        return np.zeros(len(vecs), dtype=np.float64)
    sims = vecs @ bib.T
    if exclude is not None:
        sims[np.arange(len(vecs)), exclude] = -np.inf
    k = min(K, bib.shape[0] - (1 if exclude is not None else 0))
    if k <= 0:
        return np.zeros(len(vecs), dtype=np.float64)
    return np.sort(sims, axis=1)[:, ::-1][:, :k].mean(axis=1).astype(np.float64)


def combined(vecs: np.ndarray, topic_vec: np.ndarray, bib: np.ndarray, exclude=None) -> np.ndarray:
    """One topic's closeness: mean of the topic cosine and the K-nearest-bibliography cosine."""
    if len(bib) == 0:
        return (vecs @ topic_vec).astype(np.float64)
    return 0.5 * ((vecs @ topic_vec).astype(np.float64) + _neighbour_cos(vecs, bib, exclude))


@dataclass
class TopicModel:
    """A task's topic and bibliography vectors, and the other suite topics' (the contrast), stacked for one product."""

    topic_vec: np.ndarray
    bib: np.ndarray
    others: list[tuple[np.ndarray, np.ndarray]]
    contrast: float = CONTRAST

    def __post_init__(self) -> None:
        self._topics = np.stack([tv for tv, _ in self.others]) if self.others else None
        self._bibs = np.concatenate([b for _, b in self.others]) if self.others else None
        self._bounds = np.cumsum([0] + [len(b) for _, b in self.others])

    def parts(self, vecs: np.ndarray, exclude=None) -> tuple[np.ndarray, np.ndarray]:
        """(own closeness, the closest other topic's closeness) per row."""
        own = combined(vecs, self.topic_vec, self.bib, exclude)
        if self._bibs is None or len(vecs) == 0:
            return own, np.zeros(len(vecs))
        sims = vecs @ self._bibs.T
        tcos = vecs @ self._topics.T
        best = np.full(len(vecs), -np.inf)
        for i, (lo, hi) in enumerate(zip(self._bounds[:-1], self._bounds[1:])):
            k = min(K, hi - lo)
            seg = sims[:, lo:hi]
            top = -np.partition(-seg, k - 1, axis=1)[:, :k] if k < hi - lo else seg
            best = np.maximum(best, 0.5 * (tcos[:, i] + top.mean(axis=1)))
        return own, best.astype(np.float64)

    def score(self, vecs: np.ndarray, exclude=None) -> np.ndarray:
        own, other = self.parts(vecs, exclude)
        return own - self.contrast * other


@dataclass(frozen=True)
class SuiteTask:
    """A task with the suite it is calibrated against (other tasks: contrast topics and the generic rule's fit;
    off-topic pools: negatives): the calibration's subject, so its cache key (content_hash) covers them all."""

    task: Task
    suite: ScoringSuite = field(default_factory=ScoringSuite)

    @property
    def others(self) -> tuple[Task, ...]:
        """The suite's other tasks with a bibliography, in suite order (none when it cannot be loaded)."""
        return tuple(t for t in self.suite.tasks(missing_ok=True).values()
                     if t.has_bibliography and t.id != self.task.id)

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256((self.task.content_hash or self.task.compute_hash()).encode())
        for t in self.others:
            h.update(f"\0{t.id}@{t.content_hash or t.compute_hash()}".encode())
        for name, sha in self.suite.pool_hashes().items():
            h.update(f"\0pool {name}@{sha}".encode())
        return h.hexdigest()

    def compute_hash(self) -> str:
        return self.content_hash

    def by_id(self) -> dict[str, Task]:
        return {t.id: t for t in self.others}


def _competitors(task: Task, embedder, titles: list[str], others: tuple[Task, ...]) -> list[Task]:
    """Suite tasks with a bibliography on another topic (topic cosine < SAME_TOPIC, < SHARED_BIB shared titles)."""
    if not others:
        return []
    tv = embedder.encode([task.topic])[0]
    near = embedder.encode([t.topic for t in others]) @ tv
    own = {normalize_title(x) for x in titles}
    out = []
    for t, c in zip(others, near):
        theirs = {normalize_title(x) for x in _bib_titles(t)}
        if float(c) < SAME_TOPIC and len(own & theirs) < SHARED_BIB * max(1, min(len(own), len(theirs))):
            out.append(t)
    return out


_MODELS: dict[tuple, TopicModel] = {}


def topic_model(task: Task, embedder, competitors: list[Task], contrast: float = CONTRAST) -> TopicModel:
    """The task's TopicModel in this embedder's space (cached in-process per task, model, competitors, contrast)."""
    key = (task.content_hash or task.compute_hash(), getattr(embedder, "model_id", id(embedder)),
           tuple(t.content_hash for t in competitors), contrast)
    if key in _MODELS:
        return _MODELS[key]
    tv = embedder.encode([task.topic])[0]
    titles = _bib_titles(task)
    bib = embedder.encode(titles) if titles else np.zeros((0, tv.size), np.float32)
    others = [(embedder.encode([t.topic])[0], embedder.encode(_bib_titles(t))) for t in competitors]
    _MODELS[key] = model = TopicModel(tv, bib, others, contrast)
    return model


def _bib_titles(task: Task) -> list[str]:
    seen: dict[str, str] = {}
    for pid in task.reference_papers:
        t = task.paper(pid).title
        if t and normalize_title(t) not in seen:
            seen[normalize_title(t)] = " ".join(t.split())
    return list(seen.values())


def _negatives(task: Task, pools: tuple[Pool, ...]) -> tuple[list[str], list[str], list[str]]:
    """Off-topic pool titles not among the task's papers: CS calibration half, CS test half, physics."""
    own = {normalize_title(p.title) for p in task.papers}
    cal, test, phys = [], [], []
    for pool in pools:
        for p in pool.papers:
            if not p.title or normalize_title(p.title) in own:
                continue
            if "physics" in pool.name:
                phys.append(p.title)
            else:
                (cal if _half(p.id) == "calibration" else test).append(p.title)
    return cal, test, phys


def calibrate_neighbours(subject: SuiteTask, embedder, contrast: float = CONTRAST) -> NeighbourCalibration:
    """The task's cut and held-out figures (see module docstring); cached on disk per (task and suite, model, code)."""
    task = subject.task
    tv = embedder.encode([task.topic])[0]
    if not task.has_bibliography:
        g = calibrate_generic(task, embedder, subject.suite)
        return NeighbourCalibration(task.id, tv, threshold=g.threshold, auroc_physics=g.auroc_off_topic,
                                    tpr=g.loo_tpr, generic=g.details(), reason=g.reason)
    titles = _bib_titles(task)
    try:
        cs_cal, cs_test, phys = _negatives(task, subject.suite.pools())
    except Exception as exc:  # noqa: BLE001 - no pools: no cut, said so
        return NeighbourCalibration(task.id, tv, tuple(titles), reason=f"cannot load the off-topic pools: {exc}")
    comp = _competitors(task, embedder, titles, subject.others)
    model = topic_model(task, embedder, comp, contrast)
    idx = list(range(len(titles)))
    if len(idx) > MAX_POSITIVES:
        idx = [idx[int(i * len(idx) / MAX_POSITIVES)] for i in range(MAX_POSITIVES)]
    pos = model.score(model.bib[idx], exclude=idx)
    neg = {n: model.score(embedder.encode(ts)) for n, ts in (("cal", cs_cal), ("test", cs_test), ("phys", phys))}
    thr = balanced_youden_threshold(pos, neg["cal"], neg["phys"])
    cap = capped_fpr_cut(neg["cal"], MAX_CS_FPR)
    if thr is not None and cap is not None:
        thr = round(max(float(thr), cap), 4)
    fig = {} if thr is None else {"tpr": rates_at(pos, [], thr)["tpr"],
                                  "fpr_cs_test": rates_at([], neg["test"], thr)["fpr"],
                                  "fpr_physics": rates_at([], neg["phys"], thr)["fpr"]}
    return NeighbourCalibration(task.id, tv, tuple(titles), thr, auroc(pos, neg["test"]), auroc(pos, neg["phys"]),
                                n_reference=len(pos), n_cs_calibration=len(cs_cal), n_cs_test=len(cs_test),
                                n_physics=len(phys), competitors=tuple(f"{t.id}@{t.content_hash}" for t in comp),
                                contrast=contrast, **fig)


def relevance_embedder(ctx):
    """The multilingual embedder: ctx.relevance_embedder when a caller injects one, else the process-wide USE."""
    make = getattr(ctx, "relevance_embedder", None)
    if make is not None:
        return make()
    from harness.embeddings.multilingual import get_multilingual_embedder

    return get_multilingual_embedder()


def non_latin(text: str) -> bool:
    """True when at least a quarter of the letters are outside the Latin script (Chinese, Japanese, Cyrillic, ...)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    other = sum(1 for c in letters if not ("a" <= c.lower() <= "z" or "\u00c0" <= c <= "\u024f"))
    return other * 4 >= len(letters)


def _glossed(text: str) -> bool:
    """A non-Latin title the shipped glossary covers enough of (relevance_gloss.glossable)."""
    return non_latin(text) and shipped_glossable(text)


# the encoder space each title goes to: Latin script to MiniLM, Chinese that the glossary covers to MiniLM through
# the gloss, any other script to the multilingual USE
ROUTES = {"minilm": lambda t: not non_latin(t), "zh-gloss": _glossed,
          "use-multilingual": lambda t: non_latin(t) and not _glossed(t)}


# the translations each space's shift is measured on: the glossable ones for the gloss, all of them for USE (any
# non-Latin title, Chinese the glossary covers too little of included)
SHIFT_ON = {"zh-gloss": _glossed}


def _pair_scores(subject: SuiteTask, emb, calibrate, pos: list, neg: list) -> tuple[np.ndarray, ...]:
    """One task's scores of its translated bibliography titles (English, translation; each without itself among
    the neighbours), of the translated pool titles, and the task's cut."""
    cal = disk_cached(calibrate)(subject, emb)
    by_id = subject.by_id()
    model = topic_model(subject.task, emb, [by_id[c.split("@")[0]] for c in cal.competitors
                                            if c.split("@")[0] in by_id], cal.contrast)
    index = {normalize_title(t): i for i, t in enumerate(cal.bib_titles)}
    pos = [p for p in pos if normalize_title(p.title) in index]
    ex = [index[normalize_title(p.title)] for p in pos]
    en = model.score(emb.encode([p.title for p in pos]), exclude=ex) if pos else np.zeros(0)
    tr = model.score(emb.encode([p.translation for p in pos]), exclude=ex) if pos else np.zeros(0)
    ng = model.score(emb.encode([p.translation for p in neg])) if neg else np.zeros(0)
    return en, tr, ng, cal.threshold


def calibrate_cross_lingual(subject: TranslatedSuite, emb, calibrate=calibrate_neighbours) -> CrossLingualShift:
    """The cross-lingual shift of a method's score in this encoder's space (relevance_crosslingual), over the
    translated titles of the suite's tasks that have a bibliography and a calibrated cut."""
    tasks = subject.suite.tasks(missing_ok=True)
    neg = [t for t in subject.translations if t.task_id is None]
    parts: list[tuple] = []
    for tid in sorted({t.task_id for t in subject.translations if t.task_id in tasks}):
        if not tasks[tid].has_bibliography:
            continue
        en, tr, ng, cut = _pair_scores(SuiteTask(tasks[tid], subject.suite), emb, calibrate,
                                       [t for t in subject.translations if t.task_id == tid], neg)
        if cut is not None:
            parts.append((en, tr, np.full(len(en), cut), ng, np.full(len(ng), cut)))
    if not parts:
        return CrossLingualShift()
    cat = [np.concatenate([p[i] for p in parts]) for i in range(5)]
    return measure_shift(*cat, tuple(sorted({t.language for t in subject.translations})))


def calibrate_cross_lingual_contrast(subject: TranslatedSuite, emb) -> CrossLingualShift:
    """`calibrate_cross_lingual` of the `contrast` method's score (its own disk-cache entry)."""
    return calibrate_cross_lingual(subject, emb, calibrate_contrast)


def shift_calibration(suite: ScoringSuite, calibrate=calibrate_neighbours, routed=None) -> tuple:
    """(calibrating function, subject) of a method's cross-lingual shift over the translations whose title `routed`
    sends to the space (all when None): what cross_lingual_shift computes, and what the package ships."""
    translations = tuple(t for t in shipped_translations() if routed is None or routed(t.translation))
    tasks = suite.tasks(missing_ok=True)
    ids = sorted({t.task_id for t in translations if t.task_id in tasks})
    h = hashlib.sha256("".join(SuiteTask(tasks[i], suite).content_hash for i in ids).encode()).hexdigest()
    fn = calibrate_cross_lingual_contrast if calibrate is calibrate_contrast else calibrate_cross_lingual
    return fn, TranslatedSuite(translations, suite, h)


def cross_lingual_shift(suite: ScoringSuite, emb, calibrate=calibrate_neighbours, routed=None) -> CrossLingualShift:
    """The shift of this method's score for non-Latin titles, computed once per (suite, encoder, code) on disk."""
    fn, subject = shift_calibration(suite, calibrate, routed)
    return disk_cached(fn)(subject, emb)


@dataclass
class _Space:
    """One encoder's calibration, topic model and the parts of the references routed to it."""

    name: str
    cal: NeighbourCalibration
    cut: float | None  # the cut applied: the calibration's, less the cross-lingual shift for non-Latin titles
    shift: CrossLingualShift | None  # non-Latin titles' space only
    keys: list[str]
    topic_cos: np.ndarray
    own: np.ndarray
    other: np.ndarray
    sims: np.ndarray | None


def _space(name: str, emb, subject: SuiteTask, texts: dict[str, str], calibrate=calibrate_neighbours) -> _Space:
    """The calibration (cached per task and suite) and the references' closeness in one encoder's space."""
    task = subject.task
    cal = disk_cached(calibrate)(subject, emb)
    suite = subject.by_id()
    comp = [suite[c.split("@")[0]] for c in cal.competitors if c.split("@")[0] in suite]
    keys = list(texts)
    vecs = emb.encode([texts[k] for k in keys])
    model = (topic_model(task, emb, comp, cal.contrast) if task.has_bibliography
             else TopicModel(cal.topic_vec, vecs[:0], [], cal.contrast))
    own, other = model.parts(vecs)
    # the shift is measured on this score against a bibliography; a task-free cut (topic cosine alone) keeps its own
    shift = (None if name == "minilm" or not task.has_bibliography
             else cross_lingual_shift(subject.suite, emb, calibrate, SHIFT_ON.get(name)))
    cut = cal.threshold if shift is None or cal.threshold is None else round(cal.threshold - shift.shift, 4)
    return _Space(name, cal, cut, shift, keys, vecs @ cal.topic_vec if keys else np.zeros(0), own, other,
                  vecs @ model.bib.T if len(model.bib) and keys else None)


def _judge_one(r: RelevanceRef, sp: _Space, i: int, text: str, thr: float | None) -> RelevanceJudgment:
    score = float(sp.own[i] - sp.cal.contrast * sp.other[i])
    det = {"text": text, "encoder": sp.name, "topic_cos": round(float(sp.topic_cos[i]), 4)}
    if sp.name == "zh-gloss":  # what MiniLM was shown
        det["gloss"] = shipped_gloss(text).text
    if sp.sims is not None:  # a bibliography: its nearest title, and the contrast with other topics
        j = int(np.argmax(sp.sims[i]))
        det.update(own_topic=round(float(sp.own[i]), 4), closest_other_topic=round(float(sp.other[i]), 4),
                   nearest=sp.cal.bib_titles[j], nearest_cos=round(float(sp.sims[i, j]), 4))
    if r.in_bibliography:
        verdict, basis = "on-topic", "in the reference bibliography"
    elif thr is None:
        verdict, basis = "unjudged", "no calibrated threshold"
    else:
        verdict = "on-topic" if score >= thr else "off-topic"
        basis = ("closeness to the topic and the bibliography's nearest titles, less that to other topics"
                 if sp.sims is not None else "closeness to the topic") + ("" if r.paper_id else
                                                                         " (unresolved entry's parsed title)")
    return RelevanceJudgment(verdict, score=round(score, 4), threshold=thr, basis=basis, details=det)


# where a space's calibration and cross-lingual shift go in the score's details
_DETAIL_KEYS = {"use-multilingual": ("calibration_multilingual", "cross_lingual"),
                "zh-gloss": ("calibration_gloss", "cross_lingual_gloss")}


def _encoders(ctx) -> dict:
    """Each space's encoder, made only when a title goes there (USE loads its model on first use)."""
    return {"minilm": ctx.embedder, "zh-gloss": lambda: GlossEmbedder(ctx.embedder()),
            "use-multilingual": lambda: relevance_embedder(ctx)}


def judge_neighbours(refs: list[RelevanceRef], task: Task, ctx, spec=None, calibrate=calibrate_neighbours,
                     method: str = "neighbours") -> RelevanceResult:
    """On-topic when in the bibliography, else when the neighbours score reaches the task's calibrated cut of the
    encoder the title's script routes it to (ROUTES: MiniLM for Latin script and glossed Chinese, USE otherwise)."""
    texts = {r.key: reference_text(r.title, r.url) for r in refs if r.title and r.title.strip()}
    routed = {n: {k: t for k, t in texts.items() if keep(t)} for n, keep in ROUTES.items()}
    subject = SuiteTask(task, ctx.suite)
    make = _encoders(ctx)
    spaces = {n: _space(n, make[n](), subject, routed[n], calibrate) for n in ROUTES if n == "minilm" or routed[n]}
    override = (getattr(ctx, "thresholds", None) or {}).get("relevance")
    out: list[RelevanceJudgment] = []
    for r in refs:
        name = next((n for n, ks in routed.items() if r.key in ks), None)
        if name is None:
            out.append(RelevanceJudgment("on-topic" if r.in_bibliography else "unjudged",
                                         basis="in the reference bibliography" if r.in_bibliography else "no title"))
            continue
        sp = spaces[name]
        thr = sp.cut if override is None or name != "minilm" else override
        out.append(_judge_one(r, sp, sp.keys.index(r.key), texts[r.key], thr))
    main = spaces["minilm"].cal
    thr = main.threshold if override is None else override
    details = {**main.details(), "threshold_used": thr, "method": method,
               "routed": {n: len(ks) for n, ks in routed.items()}}
    for name, (cal_key, shift_key) in _DETAIL_KEYS.items():
        if name in spaces:
            sp = spaces[name]
            details[cal_key] = sp.cal.details()
            details[shift_key] = {"cut": sp.cut, **(sp.shift.details() if sp.shift else {"shift": None})}
    return RelevanceResult(out, rule=_rule(spaces, thr), details=details)


def _other_cuts(spaces: dict) -> str:
    """The cuts of the glossed-Chinese and other-script spaces in use, for the rule."""
    out = ""
    for name, what in (("zh-gloss", "glossed Chinese"), ("use-multilingual", "other scripts")):
        sp = spaces.get(name)
        if sp is not None and sp.cut is not None:
            out += f", {sp.cut:.3f} for {what}" + (", lowered by the cross-lingual shift"
                                                   if getattr(sp.shift, "shift", 0) else "")
    return out


def _rule(spaces: dict, thr: float | None) -> str:
    """The verdict rule as users read it: the cuts in use and what the score is."""
    main = spaces["minilm"].cal
    if thr is None:
        return "no threshold could be calibrated" + (f" ({main.reason})" if main.reason else "")
    return (f"in the bibliography or score >= the task's cut ({thr:.3f} for Latin-script titles" + _other_cuts(spaces)
            + "), score = " + (f"mean of the title's cosine to the topic and to its {K} nearest bibliography titles, "
                               f"less {main.contrast} x the same for the closest of {len(main.competitors)} other suite "
                               f"topics (MiniLM, Chinese titles glossed into English terms; multilingual USE v3 for "
                               f"other scripts); cut calibrated on the bibliography vs the off-topic pools, CS test-half "
                               f"FPR {fmt_figure(main.fpr_cs_test)}"
                               if main.bib_titles else
                               f"title-topic cosine, a generic cut (z >= {fmt_figure(main.generic.get('z_threshold'))} vs "
                               f"the shipped off-topic pools, fitted on the suite's bibliographies)"))


METHOD = RelevanceMethod("neighbours", judge_neighbours, measures="closeness of the reference's cleaned title (and "
                         "URL words) to the task topic and to its nearest bibliography titles (MiniLM, Chinese "
                         "glossed into English terms; multilingual USE v3 for other scripts), against a per-task cut "
                         "calibrated on the bibliography vs the off-topic pools")


FULL_CONTRAST = 1.0  # the nearest-topic margin: own closeness minus the closest other suite topic's, unweighted


def calibrate_contrast(subject: SuiteTask, embedder) -> NeighbourCalibration:
    """`calibrate_neighbours` with the full contrast (its own disk-cache entry, keyed by this module's code)."""
    return calibrate_neighbours(subject, embedder, contrast=FULL_CONTRAST)


def judge_contrast(refs: list[RelevanceRef], task: Task, ctx, spec=None) -> RelevanceResult:
    """`neighbours` with the nearest-topic margin: on-topic when in the bibliography or when the reference is closer
    to this topic (and its bibliography) than to the closest other suite topic by at least the task's cut."""
    return judge_neighbours(refs, task, ctx, spec, calibrate=calibrate_contrast, method="contrast")


CONTRAST_METHOD = RelevanceMethod("contrast", judge_contrast, measures="how much closer the reference's cleaned title "
                                  "(and URL words) is to this task's topic and nearest bibliography titles than to "
                                  "the closest other suite topic's (MiniLM, Chinese glossed into English terms; "
                                  "multilingual USE v3 for other scripts), against a per-task cut calibrated on the "
                                  "bibliography vs the off-topic pools")
