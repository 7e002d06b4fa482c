"""Per-page routing: every case built as a real PDF page with pymupdf, asserting route and reason."""

from __future__ import annotations

import io

import pymupdf
import pytest
from PIL import Image

from docai.ingest.source import open_source
from docai.options import ConvertOptions
from docai.route import classify_page, garbage_reason, is_garbage_line, route_page, wordlike_share
from schemas.document import Route
from tests.support.pdfs import garbage_lines_pdf

SENTENCE = "The quick brown fox jumps over the lazy dog while the patient reader follows every word. "
GARBLED = "Tlc qnck hrwn f0x jmps ovr tl1e lzy d0g whl tbe ptnt rdr fllws evry wrd. "


def _scan_png(text: str = "Scanned text", size=(595, 842)) -> bytes:
    """A page-sized picture of some text, like a scanner would produce."""
    doc = pymupdf.open()
    page = doc.new_page(width=size[0], height=size[1])
    page.insert_text((72, 100), text, fontsize=14)
    png = page.get_pixmap(dpi=40).tobytes("png")
    doc.close()
    return png


def _page_pdf(build) -> bytes:
    """A one-page PDF made by ``build(doc, page)``."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    build(doc, page)
    data = doc.tobytes()
    doc.close()
    return data


def _route(data: bytes, **options) -> tuple[Route, str]:
    with open_source(data) as src:
        return route_page(src.pages()[0], ConvertOptions(**options))


def _invisible_layer(text: str):
    def build(doc, page):
        page.insert_image(page.rect, stream=_scan_png())
        page.insert_textbox(pymupdf.Rect(50, 50, 545, 800), text * 4, fontsize=10, render_mode=3)
    return build


def _unmapped_font(mapping: str | None):
    """Text in an embedded TrueType font whose ToUnicode map is removed (None) or sends every code to ``mapping``."""
    def build(doc, page):
        page.insert_font(fontname="F0", fontbuffer=pymupdf.Font("cjk").buffer)
        page.insert_text((72, 100), SENTENCE, fontsize=11, fontname="F0")
        for xref in range(1, doc.xref_length()):
            kind, value = doc.xref_get_key(xref, "ToUnicode")
            if kind == "xref":
                if mapping is None:
                    doc.xref_set_key(xref, "ToUnicode", "null")
                else:
                    doc.update_stream(int(value.split()[0]), _cmap_to(mapping).encode())
    return build


def _cmap_to(char: str) -> str:
    """A ToUnicode CMap sending every 2-byte code to ``char``."""
    target = f"{ord(char):04X}"
    ranges = "\n".join(f"<{lo:04X}> <{lo + 0xFF:04X}> [{' '.join(f'<{target}>' for _ in range(256))}]"
                       for lo in range(0, 0x10000, 0x100)[:64])
    return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"64 beginbfrange\n{ranges}\nendbfrange endcmap CMapName currentdict /CMap defineresource pop end end")


@pytest.fixture(scope="module")
def cjk_font_available() -> None:
    try:
        pymupdf.Font("cjk")
    except Exception:  # noqa: BLE001
        pytest.skip("pymupdf built without its CJK fallback font")


def test_good_text_layer_goes_to_text(make_pdf):
    route, reason = _route(make_pdf([[((72, 100), SENTENCE, 11)]]))
    assert route is Route.text
    assert reason.startswith("text layer has") and "characters" in reason


def test_blank_page_goes_to_ocr_with_its_character_count(make_pdf):
    assert _route(make_pdf([[]])) == (Route.ocr, "text layer has 0 characters")


def test_image_only_page_goes_to_ocr():
    data = _page_pdf(lambda doc, page: page.insert_image(page.rect, stream=_scan_png()))
    route, reason = _route(data)
    assert route is Route.ocr
    assert reason.startswith("image-only page: images cover 100%")


def test_scan_with_a_stamped_page_number_is_still_image_only():
    def build(doc, page):
        page.insert_image(page.rect, stream=_scan_png())
        page.insert_text((500, 820), "Page 3 of 10", fontsize=8)
    route, reason = _route(_page_pdf(build))
    assert route is Route.ocr and reason.startswith("image-only page")


def test_small_figure_with_text_stays_on_text():
    def build(doc, page):
        page.insert_image(pymupdf.Rect(72, 300, 272, 450), stream=_scan_png())
        page.insert_text((72, 100), SENTENCE, fontsize=11)
    assert _route(_page_pdf(build))[0] is Route.text


def test_unmapped_glyphs_without_tounicode_go_to_ocr(cjk_font_available):
    route, reason = _route(_page_pdf(_unmapped_font(None)))
    assert route is Route.ocr
    assert "unmapped glyphs" in reason


def test_glyphs_mapped_to_private_use_go_to_ocr(cjk_font_available):
    route, reason = _route(_page_pdf(_unmapped_font("\ue000")))
    assert route is Route.ocr
    assert reason.startswith("text layer is garbage:") and "unmapped glyphs" in reason


def test_replacement_characters_are_garbage():
    # mupdf will not let a ToUnicode map produce U+FFFD, so the real-world page below covers the PDF side
    assert "unmapped glyphs" in garbage_reason("Hello \ufffd\ufffd\ufffd world \ufffd\ufffd")
    assert garbage_reason("Hello world, one \ufffd in a long enough line of ordinary text") == ""


def test_real_page_with_a_few_garbage_lines_keeps_its_text_layer(testdata):
    """docling skipped_1page.pdf p2: correct Hangul labels, five lines of unmapped glyphs. The page stays
    on the text route; only the garbage lines' regions go to OCR (issue 7, cause 4)."""
    with open_source(testdata / "pdf" / "skipped_1page.pdf", pages="2") as src:
        assert "\ufffd" in src.pages()[0].page.get_text()
        route, reason = route_page(src.pages()[0], ConvertOptions())
    assert route is Route.text and "unmapped glyphs are read by OCR" in reason


def test_garbage_lines_are_told_from_symbol_bullets():
    assert is_garbage_line("\ue502젊\x0e기몒 인터페이스 \ue426몋에컪픦 캏\ue406오윦\x10이캏맞지 기술")
    assert is_garbage_line("\x13")
    assert not is_garbage_line("\uf0b7 A bulleted line of ordinary text")
    assert not is_garbage_line("Plain words")


def test_page_of_garbage_with_one_good_line_goes_to_ocr(cjk_font_available):
    pdf = garbage_lines_pdf([((72, 100), "A readable title line")],
                            [((72, 120 + 14 * k), "Lines of text whose glyphs have no Unicode") for k in range(8)])
    route, reason = _route(pdf)
    assert route is Route.ocr and "unmapped glyphs" in reason


def test_page_with_one_garbage_line_keeps_the_rest(cjk_font_available):
    good = [((72, 100 + 14 * k), f"Ordinary readable sentence number {k} of this page") for k in range(6)]
    route, reason = _route(garbage_lines_pdf(good, [((72, 200), "One line whose glyphs have no Unicode")]))
    assert route is Route.text and "1 lines" in reason and "read by OCR" in reason


def test_real_table_of_contents_and_papers_stay_on_text(testdata):
    with open_source(testdata / "pdf" / "redp5110_sampled.pdf", pages="1-3") as src:
        assert all(route_page(ctx, ConvertOptions())[0] is Route.text for ctx in src.pages())


@pytest.mark.parametrize("name", ["ocr_test.pdf", "ocr_test_rotated_90.pdf", "nemotron_multipage.pdf"])
def test_shared_scans_are_image_only(testdata, name):
    with open_source(testdata / "scanned" / name) as src:
        for ctx in src.pages():
            route, reason = route_page(ctx, ConvertOptions())
            assert route is Route.ocr and reason.startswith("image-only page")


def test_mostly_symbols_go_to_ocr(make_pdf):
    route, reason = _route(make_pdf([[((72, 100), "#$% &*@ !^~ {}|< >?+ =#$ %&* @!^ ~{}", 11)]]))
    assert route is Route.ocr
    assert "letters or digits" in reason


def test_table_of_contents_dot_leaders_are_not_garbage(make_pdf):
    lines = [((72, 100 + 14 * i), f"Chapter {i} {'. ' * 40} {i * 7}", 10) for i in range(1, 20)]
    assert _route(make_pdf([lines]))[0] is Route.text


def test_invisible_ocr_layer_of_good_quality_stays_on_text():
    route, reason = _route(_page_pdf(_invisible_layer(SENTENCE)))
    assert route is Route.text
    assert reason.startswith("invisible OCR layer of good quality")


def test_invisible_ocr_layer_of_poor_quality_goes_to_ocr():
    route, reason = _route(_page_pdf(_invisible_layer(GARBLED)))
    assert route is Route.ocr
    assert reason.startswith("invisible OCR layer of poor quality")


def test_nougat_takes_the_fallback_when_configured():
    data = _page_pdf(lambda doc, page: page.insert_image(page.rect, stream=_scan_png()))
    route, reason = _route(data, nougat_model="some/model")
    assert route is Route.nougat
    assert reason.endswith("; nougat model configured")


@pytest.mark.parametrize("engine", ["text", "ocr"])
def test_engine_choice_forces_the_route(make_pdf, engine):
    assert _route(make_pdf([[((72, 100), SENTENCE, 11)]]), engine=engine) == (
        Route(engine), f"forced by --engine {engine}")


def test_image_input_goes_to_ocr():
    buf = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(buf, format="PNG")
    assert _route(buf.getvalue()) == (Route.ocr, "image input has no text layer")


def test_wordlike_share_tells_words_from_ocr_noise():
    assert wordlike_share(SENTENCE * 2)[0] == 1.0
    assert wordlike_share(GARBLED * 2)[0] < 0.5
    assert wordlike_share("2024 3.5 17,00") == (0.0, 0)  # numbers are not judged


def test_garbage_reason_is_empty_for_other_scripts():
    assert garbage_reason("Привет мир, это обычный текст. مرحبا بالعالم") == ""


def test_routing_reads_the_text_layer_once(make_pdf, monkeypatch):
    calls = []
    original = pymupdf.Page.get_text
    monkeypatch.setattr(pymupdf.Page, "get_text", lambda self, *a, **k: calls.append(a) or original(self, *a, **k))
    with open_source(make_pdf([[((72, 100), SENTENCE, 11)]])) as src:
        classify_page(src.pages()[0].page)
    assert len(calls) == 1
