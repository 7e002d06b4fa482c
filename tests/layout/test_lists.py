from docai.layout.lists import nesting_levels, split_marker


def test_markers():
    assert split_marker("• item").text == "item"
    assert split_marker("12. item").ordered is True
    assert split_marker("(iv) item").ordered is True
    assert split_marker("* item").ordered is False
    assert split_marker("**1.** Bold number").text == "Bold number"
    assert split_marker("**1. Bold item**").text == "**Bold item**"
    assert split_marker("\x02 symbol-font bullet").text == "symbol-font bullet"
    assert split_marker("\uf0b7 private-use bullet").ordered is False


def test_not_markers():
    for text in ("3.5 GHz", "-5 degrees", "•", "1.", "Hello world", "2019. The year"):
        assert split_marker(text) is None, text


def test_nesting_levels():
    assert nesting_levels([72, 90, 108, 90, 72]) == [0, 1, 2, 1, 0]
    assert nesting_levels([]) == []
