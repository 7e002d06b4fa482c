from docai.assemble.furniture import is_page_number, mark_furniture, normalise
from schemas.document import Block, BlockKind, Page, Route, SetAsideReason


def _page(n, blocks):
    return Page(number=n, width=600, height=800, route=Route.text, blocks=blocks)


def _p(text, y0, y1):
    return Block(kind=BlockKind.paragraph, text=text, bbox=(72, y0, 300, y1))


def test_repeated_band_text_with_changing_numbers_is_furniture():
    pages = [_page(n, [_p(f"Annual Report {2020 + n} — chapter {n}", 20, 30), _p("Body text", 300, 320),
                       _p(f"Page {n} of 3", 770, 780)]) for n in (1, 2, 3)]
    mark_furniture(pages)
    for page in pages:
        assert [b.kind for b in page.blocks] == [BlockKind.header, BlockKind.paragraph, BlockKind.footer]


def test_text_outside_the_bands_or_on_one_page_only_stays():
    pages = [_page(1, [_p("Unique top line", 20, 30), _p("Repeated body", 300, 320)]),
             _page(2, [_p("Other top line", 20, 30), _p("Repeated body", 300, 320)])]
    mark_furniture(pages)
    assert all(b.kind is BlockKind.paragraph for p in pages for b in p.blocks)


def test_lone_page_number_in_a_band_is_a_footer_even_once():
    page = _page(1, [_p("Body", 300, 320), _p("7", 770, 780)])
    mark_furniture([page])
    assert page.blocks[1].kind is BlockKind.footer


def test_helpers():
    assert normalise("**Page 12** of  30") == "page # of #"
    assert is_page_number("xii") and is_page_number("- 4 -") and is_page_number("3 / 10")
    assert not is_page_number("Chapter 3")


def test_band_follows_the_content_edge_on_pages_with_wide_margins():
    page = _page(1, [_p("9", 91, 103), _p("Body paragraph " * 5, 116, 600)])
    mark_furniture([page])
    assert page.blocks[0].kind is BlockKind.header and page.blocks[1].kind is BlockKind.paragraph


def test_a_page_whose_only_text_is_near_the_top_keeps_it():
    pages = [_page(n, [_p(f"This is page number {n} of the document.", 89, 103)]) for n in (1, 2, 3)]
    mark_furniture(pages)
    assert all(p.blocks[0].kind is BlockKind.paragraph for p in pages)


def test_page_number_below_all_content_above_the_band_is_a_footer():
    """A page number at 83 % of the page height (wide bottom margin), under the last paragraph."""
    page = _page(1, [_p("Body paragraph", 500, 560), _p("1", 664, 673)])
    mark_furniture([page])
    assert page.blocks[1].kind is BlockKind.footer
    close = _page(1, [_p("Body paragraph", 500, 560), _p("12", 562, 571)])  # a number within the text
    mark_furniture([close])
    assert close.blocks[1].kind is BlockKind.paragraph


def test_furniture_is_recorded_as_set_aside_once():
    pages = [_page(n, [_p("Annual Report", 20, 30), _p("Body text", 300, 320), _p(f"{n}", 770, 780)])
             for n in (1, 2, 3)]
    mark_furniture(pages)
    mark_furniture(pages)  # a second pass records nothing twice
    for n, page in enumerate(pages, start=1):
        assert [(s.text, s.reason) for s in page.set_aside] == [
            ("Annual Report", SetAsideReason.running_header), (str(n), SetAsideReason.page_number)]
        assert page.set_aside[0].bbox == (72, 20, 300, 30)
