"""Ingest: type sniffing, limits, passwords, page selection, one clear error per bad input."""

from __future__ import annotations

import io

import pymupdf
import pytest
from PIL import Image

from docai.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    InputError,
    LimitExceededError,
    PageRangeError,
    UnsupportedInputError,
)
from docai.ingest import open_source, parse_page_selection
from docai.options import Limits


@pytest.mark.parametrize(
    ("spec", "expected"),
    [(None, [0, 1, 2, 3, 4]), ("", [0, 1, 2, 3, 4]), ("1-3", [0, 1, 2]), ("2,1,2", [1, 0]),
     ("4-", [3, 4]), ("-2", [0, 1]), (" 1 - 2 , 5 ", [0, 1, 4])],
)
def test_page_selection(spec, expected):
    assert parse_page_selection(spec, 5) == expected


@pytest.mark.parametrize("spec", ["0", "3-1", "a", "1-2-3", "6", "2-9", ",", "1,,2"])
def test_bad_page_selection(spec):
    with pytest.raises(PageRangeError):
        parse_page_selection(spec, 5)


def test_out_of_range_message_names_page_count():
    with pytest.raises(PageRangeError, match="has 5 pages"):
        parse_page_selection("7", 5)


def test_opens_pdf_bytes_and_selects(simple_pdf):
    with open_source(simple_pdf, pages="2-3") as src:
        assert src.mime_type == "application/pdf"
        assert src.page_count == 3
        assert [c.number for c in src.pages()] == [2, 3]


def test_not_a_pdf():
    with pytest.raises(UnsupportedInputError, match="not a PDF"):
        open_source(b"hello world, just text").__enter__()


def test_empty_input():
    with pytest.raises(EmptyDocumentError):
        open_source(b"").__enter__()


def test_truncated_pdf(simple_pdf):
    with pytest.raises((CorruptDocumentError, EmptyDocumentError)):
        open_source(simple_pdf[:60]).__enter__()


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        open_source(tmp_path / "nope.pdf").__enter__()


def test_encrypted_pdf(simple_pdf):
    doc = pymupdf.open(stream=simple_pdf)
    data = doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="s3cret", owner_pw="owner")
    with pytest.raises(EncryptedDocumentError, match="--password"):
        open_source(data).__enter__()
    with pytest.raises(EncryptedDocumentError, match="wrong password"):
        open_source(data, password="nope").__enter__()
    with open_source(data, password="s3cret") as src:
        assert "page number 1" in src.doc[0].get_text()


def test_file_size_limit(simple_pdf):
    with pytest.raises(LimitExceededError, match="file size"):
        open_source(simple_pdf, limits=Limits(max_file_bytes=100)).__enter__()


def test_page_limit(simple_pdf):
    with pytest.raises(LimitExceededError, match="page limit"):
        open_source(simple_pdf, limits=Limits(max_pages=2)).__enter__()
    with open_source(simple_pdf, pages="1-2", limits=Limits(max_pages=2)) as src:
        assert len(src.selected) == 2


def _png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), "white").save(buf, "PNG")
    return buf.getvalue()


def test_image_input_and_pixel_limit():
    with open_source(_png(200, 100)) as src:
        assert src.mime_type == "image/png" and src.is_image and src.page_count == 1
    with pytest.raises(LimitExceededError, match="pixels"):
        open_source(_png(200, 100), limits=Limits(max_image_pixels=10_000)).__enter__()


def test_multipage_tiff():
    frames = [Image.new("L", (120, 80), c) for c in (0, 128, 255)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    with open_source(buf.getvalue()) as src:
        assert src.mime_type == "image/tiff" and src.page_count == 3
        assert src.pages()[2].render(72).size[0] > 0
