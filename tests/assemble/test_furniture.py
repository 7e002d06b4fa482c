import pytest

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


def _at(text, x0, y0, x1, y1, size=9.0, kind=BlockKind.paragraph):
    return Block(kind=kind, text=text, bbox=(x0, y0, x1, y1), font_size=size)


def test_chart_axis_ticks_in_a_band_are_not_page_numbers():
    """Two or three numbers in one band are ticks or table cells (MinerU demo2 p4, nics p1)."""
    page = _page(1, [_at("3", 345, 72, 349, 79), _at("2", 345, 86, 349, 93), _p("Body text " * 20, 300, 500)])
    mark_furniture([page])
    assert [b.kind for b in page.blocks] == [BlockKind.paragraph] * 3 and not page.set_aside


def test_folios_of_a_two_page_spread_are_both_page_numbers():
    page = Page(number=1, width=1224, height=792, route=Route.text,
                blocks=[_p("Body " * 40, 100, 600), _at("**208**", 42, 756, 57, 766), _at("**209**", 1167, 756, 1182, 766)])
    mark_furniture([page])
    assert [b.kind for b in page.blocks[1:]] == [BlockKind.footer, BlockKind.footer]


def test_repeated_invoice_lines_with_different_amounts_stay_content():
    pages = [_page(n, [_p("Invoice for services rendered", 300, 320), _p(f"Total due: {amount} EUR", 770, 780)])
             for n, amount in ((1, "1,234.50"), (2, "867.20"), (3, "99.00"))]
    mark_furniture(pages)
    assert all(b.kind is BlockKind.paragraph for p in pages for b in p.blocks)


def test_repeated_text_in_other_places_stays_content():
    """A figure label repeated at different places near the top (MinerU demo3 'After Perturb')."""
    pages = [_page(n, [_at("**After Perturb**", x, 76, x + 45, 84), _p("Body " * 40, 300, 500)])
             for n, x in ((5, 471), (6, 416), (8, 230))]
    mark_furniture(pages)
    assert all(p.blocks[0].kind is BlockKind.paragraph for p in pages)


def test_running_title_on_mirrored_left_and_right_pages_is_a_header():
    title = "Plan directeur de transport actif de la municipalité de Chelsea"
    pages = [_page(n, [_at(title, x, 36, x + 203, 47), _p("Body " * 40, 300, 500)])
             for n, x in ((2, 340), (3, 57), (7, 57), (9, 340))] + [_page(n, [_p("Body", 300, 320)]) for n in (1, 4, 5, 6)]
    mark_furniture(pages)
    assert all(p.blocks[0].kind is BlockKind.header for p in pages[:4])


@pytest.mark.parametrize(("text", "y"), [
    ("P.N.J. Lane et al. / Journal of Hydrology 310 (2005) 253–265", 20),
    ("**Federal Register** / Vol. 85, No. 152 / Thursday, August 6, 2020 / Proposed Rules", 20),
    ("Downloaded from https://academic.example.org/ by guest on 12 May 2021", 775),
    ("Published by Elsevier B.V.", 775),
    ("0022-1694/$ - see front matter q 2005 Elsevier B.V. All rights reserved. doi:10.1016/j.jhydrol.2004.12.010", 770),
    ("978-1-4673-5208-6/13/$31.00 ©2013 IEEE", 775),
    ("9782340-025998_Nephrologie.indb 71", 775),
    ("xiv", 775),
    ("7-45", 775),
])
def test_furniture_is_recognised_on_a_single_page(text, y):
    page = _page(1, [_p(text, y, y + 10), _p("Body text of the only page. " * 10, 300, 500)])
    mark_furniture([page])
    assert page.blocks[0].kind in (BlockKind.header, BlockKind.footer), text
    assert page.set_aside and page.set_aside[0].text == text


def test_folio_beside_a_running_title_on_one_page_is_a_header():
    page = _page(1, [_at("78 ICT 기술변화에 따른 미래 보안기술 전망 보고서", 65, 45, 300, 55, 9.0),
                     _at("Body text " * 30, 72, 100, 500, 600, 10.0)])
    mark_furniture([page])
    assert page.blocks[0].kind is BlockKind.header
    heading = _page(1, [_at("2 Related Work", 72, 45, 300, 57, 14.0, BlockKind.heading),
                        _at("Body text " * 30, 72, 100, 500, 600, 10.0)])
    mark_furniture([heading])
    assert heading.blocks[0].kind is BlockKind.heading


def test_keep_furniture_puts_headers_and_footers_back(make_pdf):
    import docai

    pdf = make_pdf([[((72, 40), "Downloaded from example.org on 1 May 2021", 8),
                     ((72, 300), "The body of a one-page article.", 11), ((300, 800), "iv", 9)]])
    plain = docai.convert(pdf, use_cache=False)
    kept = docai.convert(pdf, use_cache=False, keep_furniture=True)
    assert "Downloaded" not in plain.markdown and "iv" not in plain.markdown.split()
    assert {s.reason for s in plain.pages[0].set_aside} == {SetAsideReason.running_header, SetAsideReason.page_number}
    assert "Downloaded from example.org" in kept.markdown and "iv" in kept.markdown.split()
    assert kept.pages[0].set_aside == [] and kept.options["keep_furniture"] is True


def test_running_title_beside_the_folio_on_one_page_is_a_header():
    """docling 2305.03393v1-pg9.pdf: an LNCS odd page, title and page number on one row at the top."""
    page = _page(1, [_at("Optimized Table Tokenization for Table Structure Recognition", 134, 92, 420, 102),
                     _at("9", 476, 91, 481, 103), _p("Body text " * 40, 120, 600)])
    mark_furniture([page])
    assert [b.kind for b in page.blocks] == [BlockKind.header, BlockKind.header, BlockKind.paragraph]


def test_equation_number_in_the_bottom_band_is_not_a_page_number():
    """MinerU demo3 p7: an equation numbered (6) near the foot of the page, with its pieces beside it."""
    page = _page(1, [_p("Body text " * 40, 100, 600), _at("*Aij* =", 105, 759, 131, 770),
                     _at("(6)", 276, 757, 289, 767)])
    mark_furniture([page])
    assert all(b.kind is BlockKind.paragraph for b in page.blocks)


def test_a_table_row_in_the_top_band_is_never_furniture():
    """pdfplumber issue-140-example.pdf: an unfound table's first row stood in the top band, its
    quantity (637) read as the page's lone folio and the cells beside it as its running title."""
    import pymupdf

    import docai

    doc = pymupdf.open()
    page = doc.new_page(width=842, height=595)
    rows = [["Line no", "UPC code", "Location", "Quantity", "Amount"], ["", "0085648100305", "CENTRAL KMA", "637", "$ 0.61"]]
    for j, row in enumerate(rows):
        for i, cell in enumerate(row):
            page.insert_text((30 + 150 * i, 30 + 18 * j), cell, fontsize=10)
    for k in range(20):
        page.insert_text((30, 120 + 16 * k), f"Body line {k} of the page with ordinary words in it.", fontsize=11)
    result = docai.convert(doc.tobytes(), engine="text", use_cache=False).pages[0]
    assert result.set_aside == []
    assert "637" in result.markdown and "CENTRAL KMA" in result.markdown


def test_a_running_header_over_a_three_column_body_is_still_furniture():
    top = [Block(kind=BlockKind.paragraph, text=t, bbox=(x, 20, x + 80, 30), font_size=9)
           for t, x in (("Journal of Tests", 40), ("Chapter", 260), ("12", 500))]
    body = [Block(kind=BlockKind.paragraph, text="Body text " * 30, bbox=(x, 60, x + 160, 400), font_size=10)
            for x in (40, 220, 400)]
    page = _page(1, [*top, *body])
    mark_furniture([page])
    assert [b.kind for b in page.blocks[:3]] == [BlockKind.header] * 3
