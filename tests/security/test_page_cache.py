"""Replayed attacks on the shared page cache (issue 8 §1): a forged ``/ToUnicode`` CMap, unreadable pages,
and the property that the key follows every object reachable from the page and nothing else."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pymupdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import docai
from docai.ingest.source import load_source
from docai.options import Limits

VICTIM_TEXT = "Transfer the funds to account 1234 only"


def cached_entries(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "pages").rglob("*.json")) if (cache_dir / "pages").exists() else []


def fingerprint(data: bytes, page: int = 0, **limits) -> str | None:
    src = load_source(data, limits=Limits(**limits))
    try:
        return src.pages()[page].fingerprint
    finally:
        src.close()


def embedded_font_pdf(text: str) -> bytes:
    """One page of ``text`` in an embedded TrueType font (Type0, Identity-H, with a /ToUnicode CMap)."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_font(fontname="F0", fontbuffer=pymupdf.Font("cjk").buffer)
    page.insert_text((72, 100), text, fontname="F0", fontsize=12)
    doc.subset_fonts()
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return data


def forge_tounicode(data: bytes) -> bytes:
    """The same file with its /ToUnicode CMap rewritten: every code maps one character further on."""
    doc = pymupdf.open(stream=data)
    (font,) = [f[0] for f in doc[0].get_fonts(full=True)]
    xref = int(doc.xref_get_key(font, "ToUnicode")[1].split()[0])

    def shift(m: re.Match) -> bytes:
        return b"%s <%04x>" % (m.group(1), int(m.group(2), 16) + 1)

    cmap = re.sub(rb"(<[0-9a-f]{4}> <[0-9a-f]{4}>) <([0-9a-f]{4})>", shift, doc.xref_stream(xref))
    doc.update_stream(xref, cmap)
    out = doc.tobytes(deflate=True)
    doc.close()
    return out


def test_forged_tounicode_gets_its_own_key_and_the_victim_reads_its_own_text(tmp_path):
    victim = embedded_font_pdf(VICTIM_TEXT)
    forged = forge_tounicode(victim)
    a, b = pymupdf.open(stream=victim), pymupdf.open(stream=forged)
    # the attack: same content stream, same font dictionary; only the CMap the font points to differs
    assert a[0].read_contents() == b[0].read_contents()
    assert a[0].get_fonts(full=True) == b[0].get_fonts(full=True)
    assert VICTIM_TEXT not in b[0].get_text()
    assert fingerprint(victim) != fingerprint(forged)

    cache = str(tmp_path / "cache")
    first = docai.convert(forged, engine="text", cache_dir=cache)
    assert VICTIM_TEXT not in first.markdown and not first.pages[0].cached
    assert len(cached_entries(tmp_path / "cache")) == 1  # the forger's page is in the shared cache
    second = docai.convert(victim, engine="text", cache_dir=cache)
    assert not second.pages[0].cached
    assert VICTIM_TEXT in second.markdown


def with_extra_stream(text: str, raw: bytes) -> bytes:
    """A page of ``text`` whose second content stream holds ``raw`` bytes declared as Flate data."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), text, fontname="helv")
    extra = doc.get_new_xref()
    doc.update_object(extra, "<<>>")
    doc.update_stream(extra, raw, compress=False)
    doc.xref_set_key(extra, "Filter", "/FlateDecode")
    doc.xref_set_key(page.xref, "Contents", f"[{page.get_contents()[0]} 0 R {extra} 0 R]")
    data = doc.tobytes()
    doc.close()
    return data


def bomb() -> bytes:
    """100 KB that inflate to 101 MiB: mupdf's ``read_contents`` refuses it as a compression bomb."""
    return zlib.compress(b" " * (101 << 20), 9)


def test_compression_bomb_pages_get_their_own_keys_and_are_refused(tmp_path):
    """Before: a page whose contents mupdf refused to load hashed as one constant, so every such page
    shared one key and the first client's text came back, ``cached: true``, for the next one."""
    raw = bomb()
    alpha = with_extra_stream("Alpha client writes about alpha things here.", raw)
    bravo = with_extra_stream("Bravo client writes about bravo matters here.", raw)
    with pytest.raises(Exception, match="compression bomb"):
        pymupdf.open(stream=alpha)[0].read_contents()
    assert fingerprint(alpha) != fingerprint(bravo)
    cache = tmp_path / "cache"
    for data in (alpha, bravo):
        page = docai.convert(data, cache_dir=str(cache)).pages[0]
        (error,) = page.errors
        assert error.code == "limit_exceeded" and "--max-page-content" in error.message
        assert not page.cached
    assert cached_entries(cache) == []


def test_two_different_unreadable_pages_never_share_a_cache_entry(tmp_path):
    alpha = with_extra_stream("Alpha client writes about alpha things here.", b"x\x9cnot flate data at all")
    bravo = with_extra_stream("Bravo client writes about bravo matters here.", b"x\x9cnot flate either, no")
    assert fingerprint(alpha) != fingerprint(bravo)
    cache = tmp_path / "cache"
    for _ in range(2):
        a = docai.convert(alpha, engine="text", cache_dir=str(cache))
        b = docai.convert(bravo, engine="text", cache_dir=str(cache))
        assert "Bravo" in b.markdown and "Alpha" not in b.markdown
        assert "Alpha" in a.markdown and "Bravo" not in a.markdown
        assert not a.pages[0].cached and not b.pages[0].cached
    assert cached_entries(cache) == []  # a page mupdf could not read completely is never cached


# ---- the key follows every reachable object, and nothing else -------------------------------------------------


def property_pdf() -> tuple[bytes, list[int], list[int]]:
    """Page 1 draws text in an embedded font, an image, a form XObject and an annotation; its resources
    are inherited from the page tree. Page 2 and an orphan object are unreachable from page 1.

    Returns the file and the xrefs reachable and unreachable from page 1 (by construction).
    """
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_font(fontname="F0", fontbuffer=pymupdf.Font("cjk").buffer)
    page.insert_text((72, 100), "Reachable text", fontname="F0")
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 4, 4), False)
    pix.clear_with(200)
    page.insert_image(pymupdf.Rect(72, 200, 144, 272), pixmap=pix)
    form = doc.get_new_xref()
    doc.update_object(form, "<</Type/XObject/Subtype/Form/BBox[0 0 100 100]>>")
    doc.update_stream(form, b"0 0 1 rg 0 0 50 50 re f")
    resources = int(doc.xref_get_key(page.xref, "Resources")[1].split()[0])
    doc.xref_set_key(resources, "XObject/Fm0", f"{form} 0 R")
    last = page.get_contents()[-1]
    doc.update_stream(last, doc.xref_stream(last) + b"\nq /Fm0 Do Q\n")
    page.add_rect_annot(pymupdf.Rect(300, 300, 400, 400))
    doc.subset_fonts()
    # page 1's resources move up to the page tree: reachable only through inheritance
    pages_node = int(doc.xref_get_key(page.xref, "Parent")[1].split()[0])
    doc.xref_set_key(pages_node, "Resources", doc.xref_get_key(page.xref, "Resources")[1])
    doc.xref_set_key(page.xref, "Resources", "null")
    other = doc.new_page()
    other.insert_text((72, 72), "Unreachable page", fontname="helv")
    orphan = doc.get_new_xref()
    doc.update_object(orphan, "<</Orphan true>>")
    doc.update_stream(orphan, b"not referenced by anything")
    data = doc.tobytes()  # no garbage collection: the orphan stays in the file
    doc.close()
    doc = pymupdf.open(stream=data)
    second = doc[1]
    structural = {doc.pdf_catalog(), pages_node, second.xref}
    unreachable = [orphan, *second.get_contents(), *(f[0] for f in second.get_fonts(full=True))]
    kind, resources = doc.xref_get_key(second.xref, "Resources")
    if kind == "xref":
        unreachable.append(int(resources.split()[0]))
    reachable = [x for x in range(1, doc.xref_length()) if x not in structural and x not in unreachable
                 and doc.xref_object(x) != "null"]
    doc.close()
    return data, reachable, unreachable


PROPERTY_PDF = property_pdf()


def mutate(data: bytes, xref: int, how: int) -> bytes:
    doc = pymupdf.open(stream=data)
    if doc.xref_is_stream(xref) and how % 2 == 0:
        doc.update_stream(xref, (doc.xref_stream(xref) or b"") + b" ")
    elif doc.xref_object(xref).lstrip().startswith("<<"):
        doc.xref_set_key(xref, "DocaiMutation", str(how))
    else:  # an array or a number: replace it by a different one of the same kind
        text = doc.xref_object(xref, compressed=True)
        doc.update_object(xref, f"[{text} {how}]" if text.startswith("[") else str(how + 10_000))
    out = doc.tobytes()
    doc.close()
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_changing_a_reachable_object_changes_the_key(data):
    pdf, reachable, _ = PROPERTY_PDF
    xref = data.draw(st.sampled_from(reachable), label="xref")
    how = data.draw(st.integers(0, 3), label="how")
    assert fingerprint(mutate(pdf, xref, how)) != fingerprint(pdf)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_changing_an_unreachable_object_keeps_the_key(data):
    pdf, _, unreachable = PROPERTY_PDF
    xref = data.draw(st.sampled_from(unreachable), label="xref")
    how = data.draw(st.integers(0, 3), label="how")
    assert fingerprint(mutate(pdf, xref, how)) == fingerprint(pdf)


def test_the_property_pdf_reaches_what_it_claims():
    pdf, reachable, unreachable = PROPERTY_PDF
    doc = pymupdf.open(stream=pdf)
    kinds = {doc.xref_get_key(x, "Subtype")[1] for x in reachable}
    assert {"/Type0", "/CIDFontType2", "/Image", "/Form", "/Square"} <= kinds
    assert any(doc.xref_get_key(x, "ToUnicode")[0] == "xref" for x in reachable)
    assert doc.xref_get_key(doc[0].xref, "Resources")[0] == "null"  # inherited from the page tree
    assert len(unreachable) >= 2 and fingerprint(pdf, 0) != fingerprint(pdf, 1)
