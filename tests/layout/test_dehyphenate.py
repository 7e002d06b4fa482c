from docai.layout.dehyphenate import join_lines


def test_broken_word_is_joined():
    assert join_lines(["keeps infor-", "mation"]) == "keeps information"


def test_real_hyphens_are_kept():
    assert join_lines(["state-of-the-", "art"]) == "state-of-the-art"
    assert join_lines(["COVID-", "19 cases"]) == "COVID-19 cases"
    assert join_lines(["pre- and", "post-processing"]) == "pre- and post-processing"


def test_soft_hyphens_are_removed():
    assert join_lines(["hyphen\u00ad", "ation"]) == "hyphenation"
    assert join_lines(["in\u00adline soft"]) == "inline soft"


def test_dash_between_words_is_not_a_hyphen():
    assert join_lines(["one -", "two"]) == "one - two"
    assert join_lines(["ends with 5-", "minute"]) == "ends with 5- minute"


def test_adjacent_emphasis_across_lines_is_merged():
    assert join_lines(["a *2x speed*", "*up* here"]) == "a *2x speed up* here"


def test_a_word_broken_inside_emphasis_is_joined():
    assert join_lines(["In *Advances in neural information pro-*", "*cessing systems*, pages 5998"]) == (
        "In *Advances in neural information processing systems*, pages 5998")
    assert join_lines(["**state-of-the-**", "**art** results"]) == "**state-of-the-art** results"
