from docai.assemble.markdown import render_markdown
from schemas.document import Block, BlockKind


def test_switching_between_bullets_and_numbers_restarts_numbering():
    blocks = [Block(kind=BlockKind.list, text=t, ordered=o, level=0)
              for t, o in (("a", False), ("b", False), ("one", True), ("two", True))]
    assert render_markdown(blocks) == "- a\n- b\n1. one\n2. two\n"


def test_furniture_left_out():
    blocks = [Block(kind=BlockKind.header, text="Running head"), Block(kind=BlockKind.paragraph, text="Body"),
              Block(kind=BlockKind.footer, text="3")]
    assert render_markdown(blocks) == "Body\n"


def test_nested_items_are_indented_by_their_parent_marker_width():
    blocks = [Block(kind=BlockKind.list, text="one", ordered=True, level=0),
              Block(kind=BlockKind.list, text="sub", ordered=False, level=1),
              Block(kind=BlockKind.list, text="subsub", ordered=False, level=2),
              Block(kind=BlockKind.list, text="bullet", ordered=False, level=0),
              Block(kind=BlockKind.list, text="nested", ordered=True, level=1)]
    assert render_markdown(blocks) == "1. one\n   - sub\n     - subsub\n- bullet\n  1. nested\n"


def test_paragraph_running_on_across_a_page_break_is_joined_in_the_document(make_pdf):
    import docai

    data = make_pdf([
        [((72, 300), "The first page ends its paragraph in the middle of the infor-", 11)],
        [((72, 300), "mation that the second page carries on with. A new sentence follows.", 11)],
        [((72, 300), "A third page starts a paragraph of its own.", 11)],
    ])
    doc = docai.convert(data, engine="text", use_cache=False)
    assert "middle of the information that the second page" in doc.markdown
    assert "carries on with. A new sentence follows.\n\nA third page starts" in doc.markdown
    assert doc.pages[0].markdown.rstrip().endswith("infor-")  # each page keeps its own text


def test_list_labels_are_kept_as_printed():
    """(a)/(b) stay (a)/(b), not 1./2.; a list that starts at 3 starts at 3 (issue 7, cause 7)."""
    def item(text, marker, level=0):
        return Block(kind=BlockKind.list, text=text, ordered=True, marker=marker, level=level)

    md = render_markdown([item("first", "(a)"), item("second", "(b)"), item("nested", "iv.", 1),
                          Block(kind=BlockKind.paragraph, text="Then:"), item("third", "3."), item("fourth", "4)"),
                          item("deep", "(i)", 1)])
    assert md == ("- (a) first\n- (b) second\n  - iv. nested\n\nThen:\n\n3. third\n4. fourth\n   - (i) deep\n")
