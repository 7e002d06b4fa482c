"""Small losses of the text path (issue 7, cause 7): list labels, glyphs placed without spaces,
combining diacritics."""

from __future__ import annotations

import re

import pymupdf

import docai
from docai.engines.textlayer.fragments import respace
from docai.layout.accents import compose_accents


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


def test_accents_drawn_as_glyphs_of_their_own_are_put_on_their_letters():
    assert compose_accents("Ageˆncia Nacional de Aviac¸a˜o Civil") == "Agência Nacional de Aviação Civil"
    assert compose_accents("(¯x, y) and Cafe\u0301") == "(x̄, y) and Café"  # before its letter; decomposed
    assert compose_accents("symbol ¨ alone") == "symbol ¨ alone"
    assert compose_accents("J˛edrzej Kowalczuk") == "Jędrzej Kowalczuk"  # J takes no ogonek: the e does


def test_combining_diacritics_in_the_text_layer_come_out_composed():
    def build(page):  # decomposed text as some producers store it, and TeX-style spacing accents
        page.insert_font(fontname="F1", fontbuffer=pymupdf.Font("cjk").buffer)  # has the combining marks
        page.insert_font(fontname="F2", fontbuffer=pymupdf.Font("tiro").buffer)  # has the spacing accents
        page.insert_text((72, 100), "Cafe\u0301 re\u0301sume\u0301 prote\u0301ge\u0301", fontsize=11, fontname="F1")
        page.insert_text((72, 120), "Ageˆncia Nacional de Aviac¸a˜o Civil", fontsize=11, fontname="F2")

    md = _convert(build)
    assert "Café résumé protégé" in md and "Agência Nacional de Aviação Civil" in md


def test_words_placed_apart_without_space_characters_get_their_spaces():
    """Capitals positioned word by word with no space glyph: the layer reads 'THEPOWER OFSTORYTELLING'."""
    def build(page):
        page.insert_text((72, 100), "Body", fontsize=11)
        xref = page.get_contents()[0]
        stream = page.parent.xref_stream(xref).decode()
        font = re.search(r"/(\S+) 11 Tf", stream).group(1)
        x, parts = 72.0, []
        for word in ["THE", "POWER", "OF", "STORYTELLING"]:
            parts.append(f"BT /{font} 14 Tf 1 0 0 1 {x:.2f} 600 Tm ({word}) Tj ET")
            x += pymupdf.get_text_length(word, fontname="helv", fontsize=14) + 2.5  # a 0.18 em gap
        page.parent.update_stream(xref, (stream + "\nq " + " ".join(parts) + " Q").encode())
        assert "THEPOWER" in page.get_text().replace(" ", "")  # what the layer holds: glued

    assert "THE POWER OF STORYTELLING" in _convert(build)


def test_respace_keeps_even_letter_spacing_and_real_spaces():
    def chars(text, advance=6.0, gaps=()):
        out, x = [], 0.0
        for k, c in enumerate(text):
            out.append({"c": c, "bbox": (x, 0, x + advance, 10)})
            x += advance + (3.0 if k in gaps else 0.5)
        return out

    assert respace("TRACKED", chars("TRACKED"), 12) == "TRACKED"  # letter-spaced evenly: one word
    assert respace("THEPOWER", chars("THEPOWER", gaps={2}), 12) == "THE POWER"
    assert respace("A B", chars("AB"), 12) == "A B"  # a space the glyphs do not show is kept
    assert respace("ABC", chars("AB"), 12) == "ABC"  # text and glyphs do not match: unchanged
