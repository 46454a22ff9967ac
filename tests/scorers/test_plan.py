"""Plan adherence: the seed promised all 40 pool papers and cited 20; its plan sections all appear."""

from __future__ import annotations

from harness.models import Citation, Paper, ReferenceEntry, Review, Section
from harness.scorers.plan import plan_sections, promised_references, score_plan

from .builders import resolved


def test_seed_uses_half_the_promised_references(seed_scores):
    s = seed_scores["plan.references_used_rate"]
    assert s.status == "ok" and s.value == 0.5, s.explanation
    assert s.details["promised"] == 40 and len(s.details["used"]) == 20


def test_seed_delivers_the_sections_its_cut_plan_announced(seed_review, seed_scores):
    promised = plan_sections(seed_review.plan)
    assert len(promised) == 6 and promised[0].startswith("Introduction")
    s = seed_scores["plan.sections_delivered_rate"]
    assert s.status == "ok" and s.value == 1.0, s.details["matches"]


def test_promised_references_forms():
    assert promised_references("All 40 provided references (`@cite_1` to `@cite_40`) will be used", 40)[0] == \
        set(range(1, 41))
    assert promised_references("We will use all 12 papers.", 30)[0] == set(range(1, 13))
    assert promised_references("Intro: @cite_3, @cite_5 and @cite_3", 30)[0] == {3, 5}
    assert promised_references("Background [2, 4-5]", 30)[0] == {2, 4, 5}
    assert promised_references("No references here.", 30)[0] is None


def test_plan_naming_papers_by_number(stfm_task, ctx):
    papers = [Paper(id=f"p{i}", title=f"Paper number {i} on traffic forecasting") for i in range(1, 6)]
    plan = "## 1. Intro\nUse @cite_1 and @cite_2.\n## 2. Methods\nUse @cite_3."
    text = "# Intro\nA [1].\n# Methods\nB [2]."
    review = Review(source_format="litreview-report", text=text, plan=plan, papers=papers,
                    sections=[Section(level=1, title="Intro"), Section(level=1, title="Methods")],
                    citations=[Citation(sentence="A [1].", marker="[1]", keys=["1"]),
                               Citation(sentence="B [2].", marker="[2]", keys=["2"])],
                    references=[ReferenceEntry(key="1", raw="[1] x", title=papers[0].title),
                                ReferenceEntry(key="2", raw="[2] y", title=papers[4].title)])
    s = {x.name: x for x in score_plan(resolved(review, stfm_task), stfm_task, ctx)}
    assert s["plan.references_used_rate"].value == 1 / 3  # promised {1,2,3}, cited {1,5}
    assert s["plan.sections_delivered_rate"].value == 1.0


def test_no_plan_is_not_applicable(stfm_task, ctx):
    s = score_plan(resolved(Review(source_format="markdown", text="x"), stfm_task), stfm_task, ctx)
    assert [x.status for x in s] == ["not_applicable"] * 5


def _plan_review(plan: str, text: str = "# Intro\n\nDone.\n", usage=None) -> Review:
    return Review(source_format="litreview-report", text=text, plan=plan, usage=usage,
                  sections=[Section(level=1, title="Intro")])


def test_plan_word_targets_total_or_sum_of_sections(stfm_task, ctx):
    """Issue 12.7: the plan's own word target, stated as a total or per section."""
    total = _plan_review("**Total Target Length:** ~1500 words\n## 1. Intro\nText.")
    s = {x.name: x for x in score_plan(resolved(total, stfm_task), stfm_task, ctx)}
    assert s["plan.target_words"].value == 1500 and s["plan.target_words"].details["source"] == "total"
    assert s["plan.words_ratio"].value == 2 / 1500  # "# Intro / Done." is 2 words
    ranged = _plan_review("**Word Count Target:** 4500-5500 words.\n## 1. Intro\nText.")
    s = {x.name: x for x in score_plan(resolved(ranged, stfm_task), stfm_task, ctx)}
    assert s["plan.target_words"].value == 5000
    summed = _plan_review("## 1. Intro (Approx. 500 words)\nA.\n## 2. Methods (~300 words)\nB.")
    s = {x.name: x for x in score_plan(resolved(summed, stfm_task), stfm_task, ctx)}
    assert s["plan.target_words"].value == 800 and s["plan.target_words"].details["source"] == "sections"
    none = _plan_review("## 1. Intro\nA.")
    s = {x.name: x for x in score_plan(resolved(none, stfm_task), stfm_task, ctx)}
    assert s["plan.target_words"].status == "not_applicable" and s["plan.words_ratio"].status == "not_applicable"


def test_plan_truncated_by_announcement_mid_word_or_its_cap(stfm_task, ctx):
    from harness.models import StageUsage, Usage

    def truncated(review):
        return {x.name: x for x in score_plan(resolved(review, stfm_task), stfm_task, ctx)}["plan.truncated"]

    short = "The review has 10 sections.\n" + "".join(f"## {i}. Part {i}\nText.\n" for i in range(1, 8))
    t = truncated(_plan_review("It cites all 40 provided references. " + short))
    assert t.value == 1.0 and "announces 10 sections but specifies 7" in t.explanation
    assert (t.details["announced_sections"], t.details["specified_sections"]) == (10, 7)
    assert t.details["announced_references"] == 40
    cut = "## 1. Intro\nText.\n## 2. Metrics\n* Compare the evaluation metrics for accuracy/comp"
    assert truncated(_plan_review(cut)).value == 1.0
    capped = _plan_review("## 1. Intro\nText.", usage=Usage(stages=[StageUsage(name="plan", output_tokens=900,
                                                                                   max_tokens=900)]))
    assert "max_tokens 900" in truncated(capped).explanation
    whole = "The review has 2 sections.\n## 1. Intro\nText.\n## 2. Outlook\nText."
    assert truncated(_plan_review(whole)).value == 0.0
