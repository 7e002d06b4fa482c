"""Small leaks (issue 8 §6): the page cache leaves no temporary files on a full disk, and the library never
lets mupdf print to stdout."""

from __future__ import annotations

import errno
import logging
import os

import pymupdf

import docai
from docai.cache import PageCache
from docai.engines.base import EngineOutput

KEY = "ab" + "0" * 62


class FullDisk:
    """A file object whose writes fail as on a full disk."""

    def __init__(self, fh) -> None:
        self.fh = fh

    def write(self, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.fh.close()


def test_put_on_a_full_disk_leaves_no_temporary_file(tmp_path, monkeypatch):
    cache = PageCache(tmp_path)
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))
    cache.put(KEY, EngineOutput(note="never stored"))  # no exception: a full cache never fails a conversion
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []
    assert cache.get(KEY) is None


def test_put_that_cannot_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    cache = PageCache(tmp_path)

    def no_space(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    cache.put(KEY, EngineOutput(note="never stored"))
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []


def damaged_pdf() -> bytes:
    """A font whose /FontFile3 has no /Subtype (pymupdf prints "unhandled font type") and a content stream
    that is not the Flate data it claims to be (mupdf warns)."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "A damaged document still converts quietly.", fontname="helv")
    font = doc.get_new_xref()
    descriptor = doc.get_new_xref()
    fontfile = doc.get_new_xref()
    doc.update_object(fontfile, "<<>>")
    doc.update_stream(fontfile, b"not a font program", compress=False)
    doc.update_object(descriptor, f"<</Type/FontDescriptor/FontName/Broken/Flags 32/FontFile3 {fontfile} 0 R>>")
    doc.update_object(font, f"<</Type/Font/Subtype/Type1/BaseFont/Broken/FontDescriptor {descriptor} 0 R>>")
    resources = int(doc.xref_get_key(page.xref, "Resources")[1].split()[0])
    doc.xref_set_key(resources, "Font/F9", f"{font} 0 R")
    bad = doc.get_new_xref()
    doc.update_object(bad, "<<>>")
    doc.update_stream(bad, b"BT /F9 12 Tf (x) Tj ET garbage", compress=False)
    doc.xref_set_key(bad, "Filter", "/FlateDecode")
    doc.xref_set_key(page.xref, "Contents", f"[{page.get_contents()[0]} 0 R {bad} 0 R]")
    data = doc.tobytes()
    doc.close()
    return data


def test_convert_of_a_damaged_pdf_writes_nothing_to_stdout(capfd, caplog):
    data = damaged_pdf()
    with caplog.at_level(logging.DEBUG, logger="docai.mupdf"):
        doc = docai.convert(data, use_cache=False)
        pymupdf.open(stream=data)[0].get_fonts()  # where pymupdf itself prints "unhandled font type"
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert "A damaged document" in doc.markdown
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "docai.mupdf")
    assert "unhandled font type" in logged and "zlib" in logged
