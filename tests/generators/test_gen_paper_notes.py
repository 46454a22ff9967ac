"""The extractive baseline's notes: a paper's kind of contribution, its title's subject and its abstract's
distinctive terms, in fixed wording of the writer's own (never a pasted title or abstract sentence)."""

from __future__ import annotations

from harness.generators.paper_notes import common_title_words, contribution, distinctive_terms, method_label, note, title_focus
from harness.models import Paper
from harness.scorers.copying import copied_from

RAPTOR = Paper(id="p", title="RAPTOR: Recursive Abstractive Processing for Tree-Organized Retrieval",
               abstract="Retrieval-augmented language models retrieve only short chunks. We introduce a tree that "
                        "clusters chunks and summarises them at several levels.")


def test_a_title_gives_its_method_name_and_the_subject_with_the_most_specific_words():
    assert method_label(RAPTOR.title) == "RAPTOR"
    assert method_label("Attention Is All You Need") is None  # no colon, no name
    assert method_label("Open-Set Recognition: a survey of methods") == "Open-Set Recognition"
    # runs of content words after the name: [recursive abstractive processing] (3 specific) beats
    # [tree-organized retrieval] (2)
    assert title_focus(RAPTOR.title) == "recursive abstractive processing"
    # [large language models can] has no specific word (all GENERIC); [easily distracted] comes first of the two-word runs
    assert title_focus("Large Language Models Can Be Easily Distracted by Irrelevant Context") == "easily distracted"



def test_words_shared_by_a_quarter_of_the_titles_are_the_topic_not_a_papers_subject():
    titles = ["On the Bottleneck of Graph Neural Networks and its Practical Implications",
              "Gated Graph Sequence Neural Networks", "Graph Attention Networks",
              "Spectral Clustering with Graph Neural Networks", "Deep Residual Learning",
              "Adam: a Method for Stochastic Optimization", "Dropout as Regularization", "Batch Normalization"]
    # 8 titles: a word in >= 2 of them is common; graph (4), networks (4) and neural (3) are, nothing else is
    assert common_title_words([Paper(id=str(i), title=t) for i, t in enumerate(titles)]) == {
        "graph", "neural", "networks"}
    # runs [bottleneck] [graph neural networks] [practical implications]: without `common` the topic's three words
    # win; with it, "practical implications" (2 words outside GENERIC and common) beats "bottleneck" (1)
    assert title_focus(titles[0]) == "graph neural networks"
    assert title_focus(titles[0], frozenset({"graph", "neural", "networks"})) == "practical implications"


def test_the_kind_of_contribution_is_read_from_the_title_first_then_the_abstract():
    assert contribution(RAPTOR) == ("propose a method for", "approach")  # "We introduce" in the abstract
    assert contribution(Paper(id="s", title="A Survey of Graph Networks")) == ("survey", "survey")
    # a method abstract that names its test dataset is not a benchmark paper; a benchmark title is
    assert contribution(Paper(id="m", title="Graph pooling", abstract="Tested on the Cora dataset.")) == (
        "address", "address")
    assert contribution(Paper(id="b", title="SuperGLUE: a stickier benchmark")) == ("introduce a benchmark for",
                                                                                  "benchmark")


def test_distinctive_terms_rank_abstract_words_by_tf_idf_without_the_title_words():
    papers = [Paper(id="1", title="A", abstract="Graph pooling pooling coarsens graphs."),
              Paper(id="2", title="B", abstract="Graph attention weighs neighbours."),
              Paper(id="3", title="C", abstract="Graph transformers scale.")]
    # p1: tf-idf over 3 abstracts with idf = log(4 / df): pooling 2 x log 4, coarsens and graphs 1 x log 4 (ties
    # by word), graph 1 x log(4/3); "graph" is in every abstract and comes last
    assert distinctive_terms(papers)[0] == ["pooling", "coarsens", "graphs"]
    titled = [papers[0].model_copy(update={"title": "Pooling"}), *papers[1:]]
    assert distinctive_terms(titled)[0] == ["coarsens", "graphs", "graph"]  # the title's own words are left out
    assert distinctive_terms([Paper(id="x", title="No abstract")]) == [[]]


def test_a_note_states_kind_subject_and_terms_and_copies_neither_title_nor_abstract():
    text = note(RAPTOR, 4, ["chunks", "levels", "tree"], 0)
    assert text == ("The authors of RAPTOR [4] propose a method for recursive abstractive processing, with chunks, "
                    "levels and tree as the distinctive terms of the abstract.")
    assert note(RAPTOR, 4, ["chunks"], 1) == ("In RAPTOR [4], the authors propose a method for recursive abstractive "
                                              "processing; the abstract singles out chunks.")
    assert note(RAPTOR, 4, [], 2) == "Recursive abstractive processing is the subject of RAPTOR [4], where the " \
                                     "authors approach it."
    for v in range(3):
        assert copied_from(note(RAPTOR, 4, ["chunks", "levels", "tree"], v), RAPTOR.title, RAPTOR.abstract) is None
