"""Hostile PDFs for the replayed attacks, built small: a page of many tiny text operators, forms that
multiply them, and many pages sharing one content stream."""

from __future__ import annotations

import pymupdf


def _page_with_font(doc: pymupdf.Document) -> pymupdf.Page:
    page = doc.new_page()
    page.insert_text((72, 72), "Hostile page", fontname="helv")  # gives the page a /helv font resource
    return page


def text_operator_pdf(operators: int) -> bytes:
    """One page drawing ``operators`` tiny text operators (``Td`` and ``Tj`` in turn), Flate-compressed."""
    doc = pymupdf.open()
    page = _page_with_font(doc)
    lines = b"".join(b"%d %d Td (%c) Tj\n" % (i % 7 - 3, i % 5 - 2, 97 + i % 26) for i in range(operators // 2))
    doc.update_stream(page.get_contents()[0], b"BT /helv 1 Tf 300 400 Td\n" + lines + b"ET\n")
    data = doc.tobytes(deflate=True)
    doc.close()
    return data


def nested_form_pdf(draws: int, operators_per_form: int) -> bytes:
    """One page drawing a form ``draws`` times; the form holds ``operators_per_form`` operators."""
    doc = pymupdf.open()
    page = _page_with_font(doc)
    form = doc.get_new_xref()
    doc.update_object(form, "<</Type/XObject/Subtype/Form/BBox[0 0 10 10]>>")
    doc.update_stream(form, b"0 0 1 1 re f\n" * (operators_per_form // 2))
    resources = int(doc.xref_get_key(page.xref, "Resources")[1].split()[0])
    doc.xref_set_key(resources, "XObject", f"<</Fm0 {form} 0 R>>")
    doc.update_stream(page.get_contents()[0], b"/Fm0 Do\n" * draws)
    data = doc.tobytes(deflate=True)
    doc.close()
    return data


def shared_stream_pdf(pages: int, operators: int) -> bytes:
    """``pages`` pages whose /Contents is one shared stream of ``operators`` operators."""
    doc = pymupdf.open()
    first = _page_with_font(doc)
    shared = first.get_contents()[0]
    doc.update_stream(shared, b"0 0 1 1 re f\n" * (operators // 2))
    resources = doc.xref_get_key(first.xref, "Resources")[1]
    for _ in range(pages - 1):
        page = doc.new_page()
        doc.xref_set_key(page.xref, "Resources", resources)
        doc.xref_set_key(page.xref, "Contents", f"{shared} 0 R")
    data = doc.tobytes(deflate=True)
    doc.close()
    return data
