"""The embedded OCR engine: bundled models only, rotations, reading order, points, batching."""

from __future__ import annotations

import numpy as np
import pymupdf
import pytest

import docai
from docai.engines.ocr import models as ocr_models
from docai.engines.ocr.engine import ENGINE_REVISION, OcrEngine
from docai.engines.ocr.orientation import quarter_turn, rotate_points, unrotate_bbox
from docai.errors import ConfigError, ModelError
from docai.ingest.source import open_source
from docai.layout.order import reading_order

TRUTH = "Docling bundles PDF document conversion to JSON and Markdown in an easy self contained package"


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return OcrEngine(dpi=72)


def _words(text: str) -> list[str]:
    return text.split()


def _page_text(out) -> str:
    return " ".join(b.text for b in out.blocks)


def _scan(text_lines: list[tuple[tuple[float, float], str]], rotate: int = 0, fontsize: float = 16) -> bytes:
    """An image-only PDF page showing ``text_lines``, turned clockwise by ``rotate`` degrees."""
    src = pymupdf.open()
    page = src.new_page(width=595, height=842)
    for point, text in text_lines:
        page.insert_text(point, text, fontsize=fontsize)
    pix = page.get_pixmap(dpi=100)
    img = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)
    img = np.ascontiguousarray(np.rot90(img, -(rotate // 90)))
    turned = pymupdf.Pixmap(pymupdf.csRGB, img.shape[1], img.shape[0], img.tobytes(), False)
    out = pymupdf.open()
    w, h = (842, 595) if rotate in (90, 270) else (595, 842)
    out.new_page(width=w, height=h).insert_image(pymupdf.Rect(0, 0, w, h), pixmap=turned)
    return out.tobytes()


@pytest.mark.parametrize("name, turns", [
    ("ocr_test.pdf", 0), ("ocr_test_rotated_180.pdf", 2), ("ocr_test_rotated_90.pdf", 3)])
def test_shared_scans_read_right_way_up(testdata, engine, name, turns):
    with open_source(testdata / "scanned" / name) as src:
        (out,) = engine.process(src.pages())
    assert _words(_page_text(out)) == _words(TRUTH)
    assert (f"page rotated {90 * turns} degrees" in out.note) if turns else out.note == ""


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_pages_rotated_by_us_come_out_right(engine, rotate):
    first, second = "Invoices are due within thirty days.", "Late payment costs extra."
    with open_source(_scan([((72, 120), first), ((72, 150), second)], rotate)) as src:
        (out,) = engine.process(src.pages())
    assert _words(_page_text(out)) == _words(f"{first} {second}")
    assert f"page rotated {rotate} degrees" in out.note


def test_boxes_are_in_pdf_points_of_the_page(engine):
    with open_source(_scan([((300, 500), "Point mapping check")])) as src:
        (out,) = engine.process(src.pages())
    x0, y0, x1, y1 = out.blocks[0].bbox
    assert 285 < x0 < 310 and 470 < y0 < 495 and 400 < x1 < 480 and 495 < y1 < 515
    assert 0 < out.blocks[0].confidence <= 1


def test_two_columns_read_column_by_column(engine):
    left = [((50, 150 + 30 * i), f"left{'abcdefgh'[i]} column line") for i in range(4)]
    right = [((330, 150 + 30 * i), f"right{'abcdefgh'[i]} column line") for i in range(4)]
    with open_source(_scan([((150, 90), "A Title Across The Page")] + left + right)) as src:
        (out,) = engine.process(src.pages())
    words = [w for w in _page_text(out).split() if w.startswith(("left", "right", "Title"))]
    assert words == ["Title"] + [f"left{c}" for c in "abcd"] + [f"right{c}" for c in "abcd"]


def test_batch_matches_single_pages(testdata, engine):
    with open_source(testdata / "scanned" / "nemotron_multipage.pdf", pages="2-3") as src:
        pages = src.pages()
        batch = engine.process(pages)
        single = [engine.process([p])[0] for p in pages]
    assert [_page_text(o) for o in batch] == [_page_text(o) for o in single]
    assert [_words(_page_text(o)) for o in batch] == [_words(TRUTH)] * 2
    assert ["180 degrees" in batch[0].note, "90 degrees" in batch[1].note] == [True, True]


def test_convert_routes_a_scan_through_ocr(testdata):
    doc = docai.convert(testdata / "scanned" / "ocr_test.pdf", use_cache=False, ocr_dpi=72)
    (page,) = doc.pages
    assert page.route.value == "ocr" and page.engine == "ocr" and page.engine_version.startswith(f"{ENGINE_REVISION}+rapidocr")
    assert _words(" ".join(b.text for b in page.blocks)) == _words(TRUTH)
    assert {"render_s", "detect_s", "recognize_s"} <= set(page.timings)


def test_blank_page_gives_no_blocks(engine, make_pdf):
    with open_source(make_pdf([[]])) as src:
        (out,) = engine.process(src.pages())
    assert out.blocks == [] and out.errors == []


def test_missing_bundled_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="missing .* never downloads"):
        ocr_models.bundled_model_paths(tmp_path)


def test_rapidocr_downloads_are_refused():
    from rapidocr.utils.download_file import DownloadFile, DownloadFileInput

    with ocr_models._downloads_refused(), pytest.raises(ModelError, match="tried to download"):
        DownloadFile.run(DownloadFileInput(file_url="https://example.invalid/m.onnx", save_path="/nonexistent/m",
                                           logger=None))
    assert DownloadFile.run.__func__.__name__ == "run"  # restored


def test_models_load_from_the_wheel_folder():
    paths = ocr_models.bundled_model_paths()
    assert all(p.parent == ocr_models.bundled_model_dir() for p in paths.values())


@pytest.mark.parametrize("raw, expected", [("1", 1), ("2", 2)])
def test_thread_setting(monkeypatch, raw, expected):
    monkeypatch.setenv("DOCAI_OCR_THREADS", raw)
    assert ocr_models.ocr_threads() == min(expected, __import__("os").cpu_count())


@pytest.mark.parametrize("raw", ["0", "two", "-3"])
def test_bad_thread_setting_is_a_config_error(monkeypatch, raw):
    monkeypatch.setenv("DOCAI_OCR_THREADS", raw)
    with pytest.raises(ConfigError, match="DOCAI_OCR_THREADS"):
        ocr_models.ocr_threads()


def test_a_bad_thread_setting_fails_an_auto_routed_run_not_just_its_pages(testdata, monkeypatch):
    monkeypatch.setenv("DOCAI_OCR_THREADS", "two")  # OCR is created for the scanned page (dpi unique to this test)
    with pytest.raises(ConfigError, match="DOCAI_OCR_THREADS='two'"):
        docai.convert(testdata / "scanned" / "ocr_test.pdf", use_cache=False, ocr_dpi=71)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rotation_geometry_round_trips(k):
    w, h = 595.0, 842.0
    box = (100.0, 200.0, 300.0, 260.0)
    corners = np.array([[box[0], box[1]], [box[2], box[3]]])
    turned = rotate_points(corners, k, w, h)
    upright = (turned[:, 0].min(), turned[:, 1].min(), turned[:, 0].max(), turned[:, 1].max())
    assert np.allclose(unrotate_bbox(upright, k, w, h), box)


def test_quarter_turn_follows_the_text_direction():
    wide = np.array([[0, 0], [100, 0], [100, 10], [0, 10]], dtype=np.float32)
    tall = np.array([[0, 0], [10, 0], [10, 100], [0, 100]], dtype=np.float32)
    assert quarter_turn([wide, wide, tall]) == 0
    assert quarter_turn([tall, tall, wide]) == 1
    assert quarter_turn([]) == 0


def test_reading_order_keeps_a_single_column_top_to_bottom():
    boxes = [(50, 100 + 20 * i, 400 - 30 * (i % 3), 112 + 20 * i) for i in range(6)][::-1]
    assert reading_order(boxes) == [5, 4, 3, 2, 1, 0]


def test_reading_order_same_line_left_to_right_and_columns():
    boxes = [(320, 100, 500, 112), (50, 100, 280, 112), (50, 120, 280, 132), (320, 120, 500, 132),
             (50, 40, 500, 60)]
    assert reading_order(boxes) == [4, 1, 2, 0, 3]
