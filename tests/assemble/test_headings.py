from docai.assemble.headings import assign_heading_levels, document_body_size
from schemas.document import Block, BlockKind, Page, Route


def _b(kind, text, size, bold=False):
    return Block(kind=kind, text=text, font_size=size, bold=bold, level=3 if kind is BlockKind.heading else None)


def test_levels_from_sizes_across_pages_and_bold_body_size_last():
    body = "x" * 400
    p1 = Page(number=1, width=1, height=1, route=Route.text, blocks=[
        _b(BlockKind.heading, "Title", 24), _b(BlockKind.paragraph, body, 10),
        _b(BlockKind.heading, "Section", 14)])
    p2 = Page(number=2, width=1, height=1, route=Route.text, blocks=[
        _b(BlockKind.heading, "Subsection", 12), _b(BlockKind.paragraph, body, 10),
        _b(BlockKind.heading, "Bold lead", 10, bold=True), _b(BlockKind.heading, "Plain short", 10)])
    assert document_body_size([p1, p2]) == 10
    assign_heading_levels([p1, p2])
    got = [(b.text, b.kind, b.level) for p in (p1, p2) for b in p.blocks if b.text != body]
    assert got == [("Title", BlockKind.heading, 1), ("Section", BlockKind.heading, 2),
                   ("Subsection", BlockKind.heading, 3), ("Bold lead", BlockKind.heading, 3),
                   ("Plain short", BlockKind.paragraph, None)]


def test_without_font_statistics_levels_are_kept():
    page = Page(number=1, width=1, height=1, route=Route.nougat,
                blocks=[Block(kind=BlockKind.heading, text="Model heading", level=2)])
    assign_heading_levels([page])
    assert page.blocks[0].level == 2
