"""Fuzzing: mutated PDF bytes either convert or fail with one DocaiError — never another exception, never a hang."""

from __future__ import annotations

import faulthandler
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import docai
from docai.errors import DocaiError
from docai.options import Limits
from schemas.document import Document
from tests.conftest import pdf_bytes

SEED_PDF = pdf_bytes([
    [((72, 100), "Fuzzing starts from this first page of text.", 12), ((72, 130), "Second line here.", 10)],
    [((72, 100), "And a second page, so page trees can break.", 12)],
])
#: a whole conversion of one mutated file must finish within this (the process is killed otherwise)
HANG_S = 20
LIMITS = Limits(page_timeout_s=5, max_image_pixels=20_000_000)


@st.composite
def mutations(draw) -> bytes:
    """The seed PDF after 1-4 random edits: flips, inserts, deletes, truncation, object splices."""
    data = bytearray(SEED_PDF)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "splice", "keyword"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[max(pos, 8):]
        elif op == "splice":
            start = draw(st.integers(0, max(len(data) - 1, 0)))
            data[pos:pos] = data[start:start + draw(st.integers(1, 200))]
        else:  # swap in a PDF keyword where the parser least expects it
            word = draw(st.sampled_from([b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer",
                                         b"<<", b">>", b"/Kids [", b"/Count -1", b"999999999 0 R", b"/Length 0"]))
            data[pos:pos + len(word)] = word
    return bytes(data)


@contextmanager
def no_hang(seconds: int) -> Iterator[None]:
    """Kill the test process with a traceback of every thread if the body runs past ``seconds``."""
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def _convert_or_docai_error(data: bytes, **options) -> None:
    with no_hang(HANG_S):
        try:
            doc = docai.convert(data, use_cache=False, limits=LIMITS, **options)
        except DocaiError as exc:
            assert str(exc) and "\n" not in str(exc)
            return
    assert isinstance(doc, Document)
    assert all(page.route.value in ("text", "ocr", "failed") for page in doc.pages)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutations())
def test_mutated_pdfs_convert_or_raise_docai_error_on_the_text_path(data):
    _convert_or_docai_error(data, engine="text")


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutations())
def test_mutated_pdfs_survive_routing(data):
    _convert_or_docai_error(data, engine="auto", ocr_dpi=50)


@pytest.mark.parametrize("data", [b"", b"%PDF-", b"%PDF-1.7\n%%EOF", SEED_PDF[:200], SEED_PDF[: len(SEED_PDF) // 2]])
def test_degenerate_pdfs(data):
    _convert_or_docai_error(data, engine="text")
