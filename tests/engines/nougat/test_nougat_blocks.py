"""Nougat markdown → blocks, and LaTeX tables → rows."""

from __future__ import annotations

from docai.assemble.markdown import render_markdown
from docai.engines.nougat.blocks import mmd_to_blocks
from docai.engines.nougat.tables import tabular_rows
from schemas.document import BlockKind


def _kinds(blocks):
    return [b.kind for b in blocks]


def test_headings_paragraphs_lists():
    blocks = mmd_to_blocks("# Title\n\n## 2 Methods\nSome text with \\(x\\).\n\n* one\n\t* nested\n1. first")
    assert _kinds(blocks) == [BlockKind.heading, BlockKind.heading, BlockKind.paragraph,
                              BlockKind.list, BlockKind.list, BlockKind.list]
    assert (blocks[0].level, blocks[1].level, blocks[1].text) == (1, 2, "2 Methods")
    assert blocks[2].text == "Some text with \\(x\\)."
    assert (blocks[4].level, blocks[4].ordered, blocks[5].ordered) == (1, False, True)


def test_display_math_becomes_formula_without_delimiters():
    blocks = mmd_to_blocks("Before \\[a+b \\tag{1}\\] after\n\n\\[\nx=1\n\\]")
    assert [(b.kind, b.text) for b in blocks] == [
        (BlockKind.paragraph, "Before"), (BlockKind.formula, "a+b \\tag{1}"),
        (BlockKind.paragraph, "after"), (BlockKind.formula, "x=1")]


def test_simple_table_becomes_rows_complex_keeps_latex():
    simple = "\\begin{table}\n\\begin{tabular}{l r} \\hline Name & Value \\\\ \\hline a & 1 \\\\ b & 2 \\\\ \\end{tabular}\n\\end{table}\nTable 1: Values."
    blocks = mmd_to_blocks(simple)
    assert blocks[0].kind is BlockKind.table and blocks[0].rows == [["Name", "Value"], ["a", "1"], ["b", "2"]]
    assert (blocks[1].kind, blocks[1].text) == (BlockKind.caption, "Table 1: Values.")
    spanning = "\\begin{tabular}{c c}\\multicolumn{2}{c}{Both} \\\\ a & b\\end{tabular}"
    (block,) = mmd_to_blocks(spanning)
    assert block.kind is BlockKind.table and block.rows is None and block.text == spanning


def test_tabular_rows_edge_cases():
    assert tabular_rows("\\begin{tabular}{l}\\end{tabular}") is None
    assert tabular_rows("no table") is None
    assert tabular_rows("\\begin{tabular}{ll} R\\&D & x \\\\ 1 \\end{tabular}") == [["R&D", "x"], ["1", ""]]


def test_code_fence():
    blocks = mmd_to_blocks("```\nfor i in x:\n    pass\n```\nAfter")
    assert [(b.kind, b.text) for b in blocks] == [(BlockKind.code, "for i in x:\n    pass"), (BlockKind.paragraph, "After")]


def test_renders_through_the_one_renderer():
    md = render_markdown(mmd_to_blocks("# T\n\nText.\n\n\\[x\\]\n\n* a\n* b"))
    assert md == "# T\n\nText.\n\n$$\nx\n$$\n\n- a\n- b\n"
