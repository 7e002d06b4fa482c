"""Each postprocessing fix on its own, then the whole chain."""

from __future__ import annotations

from docai.engines.nougat import postprocess as pp


def test_long_heading_becomes_text():
    long = "x" * 120
    assert pp.drop_long_headings(f"intro\n## 2 {long}") == f"intro\n{long}"
    assert pp.drop_long_headings("## Short title") == "## Short title"


def test_numeral_only_headings_dropped():
    assert pp.drop_numeral_headings("## 3.1\nText") == "\nText"
    assert pp.drop_numeral_headings("A\n# iv\n\nText") == "A\n\nText"
    assert pp.drop_numeral_headings("## 3.1 Methods\nText") == "## 3.1 Methods\nText"
    assert pp.drop_numeral_headings("a\n* [leftmargin=*]\nb") == "a\nb"


def test_trailing_heading_dropped():
    assert pp.drop_trailing_heading("Text\n\n## Hallucinated") == "Text\n"
    assert pp.drop_trailing_heading("## Only line") == "## Only line"


def test_truncate_repetitions_keeps_one_copy_to_a_sentence_end():
    unit = "The model repeats this sentence again. "
    text = "Start of the page. " + unit * 6
    out = pp.truncate_repetitions(text)
    assert out.count("repeats this sentence") == 1
    assert out.startswith("Start of the page.") and out.endswith(".")
    assert pp.truncate_repetitions("short text") == "short text"
    assert pp.truncate_repetitions("no repetition here at all, only prose that goes on.") == \
        "no repetition here at all, only prose that goes on."


def test_reference_line_clean_up():
    initials = "* [3] " + "A. " * 12 + "Title"
    assert pp.clean_reference_lines(initials + "\nkeep") == "\nkeep"
    assert pp.clean_reference_lines("* [4][] Smith, J.") == "* [4] Smith, J."


def test_stray_characters():
    assert pp.drop_stray_characters("a\n\nText") == "Text"
    assert pp.drop_stray_characters("Text\n\nz") == "Text"


def test_pmc_math_artifacts():
    assert pp.fix_pmc_math("value _x__ij_ here") == "value \\(x_{j}\\) here"
    assert pp.fix_pmc_math("with _k_ items") == "with \\(k\\) items"


def test_footnotes():
    assert pp.fix_footnotes("text\nFootnote 1: footnotetext: The note") == "text\nFootnote 1: The note"
    assert pp.fix_footnotes("a [FOOTNOTE:1]note[ENDFOOTNOTE] b") == "a  b"


def test_inline_lists_split_into_items():
    out = pp.split_inline_lists("intro\n* first item * second * 2.1 nested item\nend")
    assert out.split("\n") == ["intro", "* first item", "* second", "\t* 2.1 nested item", "end"]
    assert pp.split_inline_lists("* Method A - a fast one") == "* Method A - a fast one"
    assert pp.split_inline_lists("plain * text") == "plain * text"


def test_table_corrections():
    text = "Caption \\begin{table} \\begin{tabular}{l l} a & b \\end{tabular} \\end{table} Table 1"
    out = pp.correct_tables(text)
    assert "Caption \n\\begin{table}\n\\begin{tabular}" in out
    assert "\\end{tabular}\n\\end{table}\nTable 1" in out
    assert pp.correct_tables("\\begin{array}[]{cc}") == "\\begin{array}{cc}"
    assert pp.correct_tables("x\n" + "&" * 401 + "\ny") == "x\n\ny"


def test_open_environments_closed():
    assert pp.close_environments("\\begin{tabular}{l} a") == "\\begin{tabular}{l} a\\end{tabular}"
    assert pp.close_environments("\\begin{bmatrix}1\\end{bmatrix}") == "\\begin{bmatrix}1\\end{bmatrix}"


def test_markup_debris_removed():
    assert pp.drop_empty_lines_of_markup("a\n\n\n\nb\n.\n## x") == "a\n\nb\n"


def test_markdown_compatible():
    assert pp.markdown_compatible("(1) \\[a=b\\]") == "\\[a=b \\tag{1}\\]"
    assert pp.markdown_compatible("\\[a=b\\] (2.1a)") == "\\[a=b \\tag{2.1a}\\]"
    assert pp.markdown_compatible("\\bm{x}") == "\\mathbf{x}"
    assert pp.markdown_compatible("see https://example.org/a.") == "see [https://example.org/a](https://example.org/a)."
    assert pp.markdown_compatible("```code here```") == "```\ncode here\n```"


def test_postprocess_chain():
    raw = "## 1\n# Introduction\nWe show \\(x\\).\n\n(3) \\[y=2\\]\n\n## Appendix"
    assert pp.postprocess(raw) == "# Introduction\nWe show \\(x\\).\n\n\\[y=2 \\tag{3}\\]"
