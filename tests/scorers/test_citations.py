"""Citation validity, relevance and support on the seed, the AutoSurvey outputs and small synthetic reviews."""

from __future__ import annotations

from harness.models import Citation, Paper, ReferenceEntry, Review
from harness.scorers import score_review
from tests.scorers.builders import paraphrase


def test_seed_cites_mostly_off_topic_papers(seed_scores):
    off = seed_scores["citations.off_topic"]
    rate = seed_scores["citations.on_topic_rate"]
    for v in rate.details["verdicts"]:
        print(v["verdict"], v.get("similarity"), v["title"])
    assert off.status == "ok" and off.value >= 15
    assert rate.value <= 0.25
    # the default `contrast` trades some of the bibliography's own titles (the calibration's positives) for the
    # field's general papers: this task's bibliography-vs-pools AUROC is 0.83 under it, 0.98 under `neighbours`
    assert rate.details["auroc_off_topic"] >= 0.80
    # issue 14.15: the off-topic count says what off-topic means, without repeating the on-topic rule
    assert "below" in off.explanation and "AUROC" not in off.explanation


def test_seed_citations_are_valid_but_outside_the_task(seed_scores):
    assert seed_scores["citations.dangling"].value == 0
    assert seed_scores["citations.duplicates"].value == 0
    # none of the 20 is a task paper; each carries an arXiv URL, so none is unidentified (issue 12 acceptance)
    assert seed_scores["citations.unresolved"].value == 20
    assert seed_scores["citations.unidentified"].value == 0
    assert seed_scores["citations.web_sources"].value == 0
    assert seed_scores["citations.valid_rate"].value == 1.0
    assert seed_scores["citations.in_task_rate"].value == 0.0
    assert seed_scores["citations.not_found"].status == "not_applicable"


def test_seed_support_never_uses_the_abstracts_the_file_supplies(seed_scores):
    """Issue 26: the seed lists every cited abstract in its own "Papers Used", but a review's own lists are no
    evidence; none of its 20 papers is a task paper, so nothing is verifiable and every pair is unverifiable."""
    s = seed_scores["citations.support_rate"]
    assert s.status == "not_applicable" and "no cited paper has an abstract" in s.explanation
    assert seed_scores["citations.unverifiable"].value >= seed_scores["citations.unverifiable"].details["claims"] > 0


def test_autosurvey_outputs_are_far_more_on_topic_than_the_seed(autosurvey_scores, seed_scores):
    """The careful reader rates AutoSurvey's citations 0.78 on topic (relevance-real-outputs dev), the seed's 0 of
    20 (README); at the default method's dev TPR 0.87 and TNR 0.77 that is an expected gap of about 0.65, and each
    output must keep at least 0.4 of it."""
    seed_rate = seed_scores["citations.on_topic_rate"].value
    for name, scores in autosurvey_scores.items():
        rate = scores["citations.on_topic_rate"]
        print(name, "on-topic", rate.value, "off", scores["citations.off_topic"].value,
              "valid", scores["citations.valid_rate"].value, "unverifiable", scores["citations.unverifiable"].value,
              "support", scores["citations.support_rate"].status)
        assert rate.status == "ok"
        assert rate.value - seed_rate >= 0.4, name
        # with the shipped reference abstracts support is measured where a cited paper has one; none of the
        # vision-transformer output's cited papers has a shipped abstract (12 of that task's 202 do), so it says so
        expected = "not_applicable" if name == "visual-transformer" else "ok"
        assert scores["citations.support_rate"].status == expected, name
        assert scores["citations.unverifiable"].value > 0


def test_hallucinated_dangling_and_duplicate_citations_are_counted(stfm_task, ctx):
    real = stfm_task.paper(stfm_task.reference_papers[0])
    refs = [ReferenceEntry(key="1", raw=f"[1] {real.title}", title=real.title),
            ReferenceEntry(key="2", raw="[2] A Made-Up Paper About Quantum Traffic Oracles", title="A Made-Up Paper "
                           "About Quantum Traffic Oracles"),
            ReferenceEntry(key="3", raw=f"[3] {real.title}", title=real.title)]
    cits = [Citation(sentence="Foundation models forecast traffic [1].", marker="[1]", keys=["1"]),
            Citation(sentence="Oracles exist [2][9].", marker="[2]", keys=["2", "9"])]
    review = Review(source_format="markdown", text="x [1] [2][9]", references=refs, citations=cits)
    s = {x.name: x for x in score_review(review, stfm_task, ctx, ["citations", "coverage"])}
    assert s["citations.dangling"].value == 1
    assert s["citations.unresolved"].value == 1
    assert s["citations.duplicates"].value == 1
    # [1] in_task, [2] unidentified, [9] dangling (not classifiable): 1 valid of 2 classified; 1 of 3 in the task
    assert s["citations.valid_rate"].value == 1 / 2
    assert s["citations.in_task_rate"].value == 1 / 3
    assert s["citations.unidentified"].value == 1
    assert s["coverage.recall"].value == 1 / len(stfm_task.reference_papers)
    assert s["citations.unverifiable"].value == 2  # neither cited paper has an abstract
    assert s["citations.support_rate"].status == "not_applicable"


def test_support_distinguishes_matching_from_unrelated_abstracts(stfm_task, ctx):
    with_abs = [p for p in stfm_task.papers if p.abstract and len(p.abstract) > 400][:2]
    a, b = with_abs
    first = paraphrase(a.abstract.split(". ")[0])  # a's subject in other word order: judged, not `copied`
    papers = [Paper(id=a.id, title=a.title, abstract=a.abstract), Paper(id=b.id, title=b.title, abstract=b.abstract)]
    review = Review(source_format="litreview-report", text="t", papers=papers,
                    citations=[Citation(sentence=first + " [1]", marker="[1]", keys=["cite_1"]),
                               Citation(sentence=first + " [2]", marker="[2]", keys=["cite_2"])])
    s = {x.name: x for x in score_review(review, stfm_task, ctx, ["citations"])}
    verdicts = s["citations.support_rate"].details["verdicts"]
    print(verdicts)
    assert verdicts[0]["supports"] and verdicts[0]["similarity"] > verdicts[1]["similarity"]
    assert s["citations.support_precision"].value == 0.5


def test_without_a_calibrated_threshold_papers_outside_the_bibliography_are_not_counted_on_topic(ctx):
    from harness.readers import parse_text
    from harness.scorers import score_review
    from harness.tasks.suite import get_task

    task = get_task("rag-llm-survey")
    no_negatives = task.model_copy(update={"pool": [p for p in task.pool if p.role == "reference"],
                                           "content_hash": None})
    ref = task.paper(task.reference_papers[0])
    physics = next(p for p in task.pool_papers() if task.role_of(p.id) == "off-topic")
    review = parse_text(f"# R\n\nA claim [1]. Another [2].\n\n## References\n\n[1] {ref.title}\n[2] {physics.title}\n",
                        format="markdown")
    from dataclasses import replace

    from harness.config import RelevanceConfig

    # title_similarity calibrates on the task's own pool: without near-/off-topic papers it has no cut
    # (the default `neighbours` calibrates on the shipped off-topic pools, so it judges either way)
    ctx = replace(ctx, relevance=RelevanceConfig(method="title_similarity"))
    calibrated = {s.name: s for s in score_review(review, task, ctx, ["citations"])}
    assert calibrated["citations.on_topic_rate"].value == 0.5 and calibrated["citations.off_topic"].value == 1
    blind = {s.name: s for s in score_review(review, no_negatives, ctx, ["citations"])}
    assert blind["citations.on_topic_rate"].status == "not_applicable"
    assert "cannot be judged" in blind["citations.on_topic_rate"].explanation


def test_relevance_verdicts_are_citation_verdict_records(seed_scores):
    from harness.models import CitationVerdict

    stored = seed_scores["citations.on_topic_rate"].details["verdicts"]
    verdicts = CitationVerdict.read_list(stored)
    assert len(verdicts) == len(stored) > 0 and [v.to_details() for v in verdicts] == stored
    assert {v.verdict for v in verdicts} <= {"on-topic", "off-topic", "unjudged"}
    on = sum(v.verdict == "on-topic" for v in verdicts)
    judged = sum(v.verdict != "unjudged" for v in verdicts)
    assert seed_scores["citations.on_topic_rate"].value == on / judged
