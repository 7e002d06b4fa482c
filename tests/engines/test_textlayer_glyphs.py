"""Small losses of the text path (issue 7, cause 7): list labels, glyphs placed without spaces,
combining diacritics."""

from __future__ import annotations

import pymupdf

import docai


def _convert(page_builder) -> str:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page_builder(page)
    data = doc.tobytes()
    doc.close()
    return docai.convert(data, engine="text", use_cache=False).pages[0].markdown


def test_list_labels_are_kept_as_written():
    def build(page):
        page.insert_text((72, 100), "The committee shall:", fontsize=11)
        for k, text in enumerate(["(a) meet every month;", "(b) publish its minutes;", "(c) report each year."]):
            page.insert_text((90, 120 + 16 * k), text, fontsize=11)
        page.insert_text((72, 200), "It also notes:", fontsize=11)
        for k, text in enumerate(["3. the budget is fixed;", "4. the term is two years."]):
            page.insert_text((90, 220 + 16 * k), text, fontsize=11)

    md = _convert(build)
    assert "- (a) meet every month;\n- (b) publish its minutes;\n- (c) report each year." in md
    assert "3. the budget is fixed;\n4. the term is two years." in md
