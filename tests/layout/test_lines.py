"""lines_to_blocks on plain lines, as the OCR engine feeds them (no font sizes) and with fonts."""

from docai.layout import TextLine, lines_to_blocks
from schemas.document import BlockKind


def _lines(texts, x=72.0, top=100.0, step=14.0, height=11.0, size=10.0):
    return [TextLine(t, (x, top + k * step, x + 300, top + k * step + height), size=size) for k, t in enumerate(texts)]


def test_paragraph_rejoined_and_split_at_a_gap():
    lines = _lines(["The quick brown fox jumps over the", "lazy dog and keeps on run-", "ning."])
    lines += _lines(["Second paragraph starts here."], top=170)
    blocks = lines_to_blocks(lines, 595, 842)
    assert [b.text for b in blocks] == ["The quick brown fox jumps over the lazy dog and keeps on running.",
                                        "Second paragraph starts here."]
    assert all(b.kind is BlockKind.paragraph and b.font_size == 10.0 for b in blocks)


def test_ocr_lines_without_font_size_use_line_height():
    lines = [TextLine("Big Title", (72, 50, 250, 80), confidence=0.9)]
    lines += [TextLine(t, (72, 100 + 14 * k, 372, 111 + 14 * k), confidence=0.8)
              for k, t in enumerate(["body text line one that is long enough", "and its second line."])]
    blocks = lines_to_blocks(lines, 595, 842)
    assert [b.kind for b in blocks] == [BlockKind.heading, BlockKind.paragraph]
    assert blocks[0].font_size == 30.0 and blocks[0].level == 1
    assert blocks[1].confidence == 0.8


def test_list_markers_ordered_and_nested():
    lines = _lines(["• apples", "• pears", "– green ones"])
    lines[2].bbox = (92, *lines[2].bbox[1:])
    lines += _lines(["1) first", "ii. second", "(b) third"], top=150)
    blocks = lines_to_blocks(lines, 595, 842)
    assert [(b.text, b.ordered, b.level) for b in blocks] == [
        ("apples", False, 0), ("pears", False, 0), ("green ones", False, 1),
        ("first", True, 0), ("second", True, 0), ("third", True, 0)]


def test_list_item_continuation_line_stays_in_the_item():
    lines = _lines(["- an item that wraps onto", "the next line", "- another"])
    lines[1].bbox = (82, *lines[1].bbox[1:])
    assert [b.text for b in lines_to_blocks(lines, 595, 842)] == ["an item that wraps onto the next line", "another"]


def test_caption_heading_and_bold_paragraph():
    lines = [TextLine("Methods", (72, 80, 140, 92), size=10, bold=True)]
    lines += _lines(["Figure 2: The pipeline at a glance."], top=110)
    lines += _lines(["A bold statement that goes on for a while and ends."], top=140)
    lines[-1].bold = True
    blocks = lines_to_blocks(lines, 595, 842)
    assert [(b.kind, b.text) for b in blocks] == [
        (BlockKind.heading, "Methods"), (BlockKind.caption, "Figure 2: The pipeline at a glance."),
        (BlockKind.paragraph, "**A bold statement that goes on for a while and ends.**")]
    assert blocks[0].bold is True


def test_sentence_about_a_figure_is_not_a_caption_and_numbers_are_not_lists():
    blocks = lines_to_blocks(_lines(["Figure 2 shows the pipeline.", "3.5 GHz is the clock."]), 595, 842)
    assert [b.kind for b in blocks] == [BlockKind.paragraph]


def test_monospaced_lines_keep_breaks_and_indent():
    lines = _lines(["for x in y:", "print(x)"])
    lines[1].bbox = (96, *lines[1].bbox[1:])
    for line in lines:
        line.mono = True
    (block,) = lines_to_blocks(lines, 595, 842)
    assert block.kind is BlockKind.code and block.text == "for x in y:\n    print(x)"


def test_paragraph_break_without_space_after_a_short_last_line():
    lines = _lines(["This line runs all the way to the right margin of", "the column and ends here.",
                    "Next paragraph begins without extra space."])
    lines[1].bbox = (72, lines[1].bbox[1], 200, lines[1].bbox[3])
    assert len(lines_to_blocks(lines, 595, 842)) == 2


def test_empty_input():
    assert lines_to_blocks([], 595, 842) == []
    assert lines_to_blocks([TextLine("   ", (0, 0, 1, 1))], 595, 842) == []


def test_table_of_contents_entries_stay_on_their_own_lines():
    blocks = lines_to_blocks(_lines(["Notices . . . . . . . . vii", "Preface . . . . . . . . . xi", "Chapter 1 . . . . . . 1"]),
                             595, 842)
    assert len(blocks) == 3


def test_ocr_lines_of_uneven_height_stay_one_paragraph():
    """OCR boxes vary with ascenders/descenders (26 vs 30 pt here, from a real scan): still one paragraph."""
    heights = [26.0, 30.0, 26.5]
    lines, top = [], 100.0
    for text, h in zip(["Docling bundles PDF document conversion to", "JSON and Markdown in an easy self contained",
                        "package"], heights, strict=True):
        lines.append(TextLine(text, (72, top, 500 if text != "package" else 160, top + h), confidence=0.95))
        top += h + 4
    blocks = lines_to_blocks(lines, 842, 595)
    assert [b.text for b in blocks] == [
        "Docling bundles PDF document conversion to JSON and Markdown in an easy self contained package"]
