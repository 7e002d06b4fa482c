"""The word metric of bench/coverage.py and of the conservation test (docai.conservation)."""

from __future__ import annotations

from docai.conservation import coverage, layer_words, markdown_words, words


def test_words_normalise_and_split_cjk():
    assert words("Ｃafé ﬁne,  x_1; 東京タワー 한국") == ["café", "fine", "x", "1", "東", "京", "タ", "ワ", "ー", "한", "국"]
    assert words("Cafe\u0301") == ["café"]  # NFKC composes the combining accent


def test_a_word_hyphenated_across_a_line_counts_once():
    layer = layer_words("an exam-\nple here")
    assert len(layer) == 3
    assert coverage(layer, words("an example here")).recall == 1.0
    assert coverage(layer, words("an exam-ple here")).recall == 1.0
    assert coverage(layer, words("an here")).missing == ["example"]


def test_recall_is_a_multiset_and_added_words_are_counted():
    result = coverage(layer_words("the cat and the dog"), markdown_words("the cat *and* a dog <!-- image -->"))
    assert result.found == 4 and result.missing == ["the"] and result.added == 1 and result.output == 5


def test_markdown_syntax_is_not_words():
    assert markdown_words("see [the *site*](https://example.com/a-b) or ω*p*") == ["see", "the", "site", "or", "ωp"]


def test_words_cut_differently_still_count():
    layer = layer_words("speci-\n\\margin\nfying THEPOWER x1")
    result = coverage(layer, words("specifying margin THE POWER x 1"))
    assert result.recall == 1.0 and result.added == 0
    assert coverage(layer_words("alpha beta"), words("alphabet")).missing == ["alpha", "beta"]
