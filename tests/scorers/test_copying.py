"""The copying rule: pasted titles and abstract sentences are copied; sentences that say something of their own are not."""

from harness.scorers.copying import copied_from

# Lewis et al. 2020 (arXiv 2005.11401): its title and the opening of its abstract, verbatim.
TITLE = "Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks"
ABSTRACT = ("Large pre-trained language models have been shown to store factual knowledge in their parameters, and "
            "achieve state-of-the-art results when fine-tuned on downstream NLP tasks. However, their ability to "
            "access and precisely manipulate knowledge is still limited.")


def test_title_with_filler_is_copied_from_the_title():
    assert copied_from(f"Work on {TITLE} is discussed here.", TITLE, ABSTRACT) == "title"
    assert copied_from(f"{TITLE}.", TITLE, None) == "title"


def test_abstract_sentence_is_copied_from_the_abstract():
    sentence = "Large pre-trained language models have been shown to store factual knowledge in their parameters."
    assert copied_from(sentence, TITLE, ABSTRACT) == "abstract"


def test_naming_the_paper_and_adding_a_claim_is_not_copied():
    # 7 of its 15 content words are the title's: under the 0.6 share
    sentence = (f"Lewis et al. proposed {TITLE}, combining parametric and non-parametric memory.")
    assert copied_from(sentence, TITLE, ABSTRACT) is None


def test_paraphrase_and_short_sentences_are_not_copied():
    assert copied_from("RAG pairs a dense retriever with a BART generator and beats extractive QA baselines.",
                       TITLE, ABSTRACT) is None
    assert copied_from("See [3].", TITLE, ABSTRACT) is None


def test_a_short_title_with_filler_is_copied():
    # 4 title words of 7: under the 0.6 run share, but only 3 words of its own
    assert copied_from("Work on Attention Is All You Need is discussed here.", "Attention Is All You Need",
                       None) == "title"
    assert copied_from("Attention Is All You Need introduced the Transformer, built on attention alone.",
                       "Attention Is All You Need", None) is None
