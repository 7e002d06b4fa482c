"""PDF builders shared by the routing and text-layer tests."""

from __future__ import annotations

import pymupdf


def _cmap_to(char: str) -> str:
    """A ToUnicode CMap sending every 2-byte code to ``char``."""
    target = f"{ord(char):04X}"
    ranges = "\n".join(f"<{lo:04X}> <{lo + 0xFF:04X}> [{' '.join(f'<{target}>' for _ in range(256))}]"
                       for lo in range(0, 0x10000, 0x100)[:64])
    return ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            f"64 beginbfrange\n{ranges}\nendbfrange endcmap CMapName currentdict /CMap defineresource pop end end")


def garbage_lines_pdf(good: list[tuple[tuple[float, float], str]], bad: list[tuple[tuple[float, float], str]],
                      *, unmapped: str = "\ue000", fontsize: float = 11) -> bytes:
    """A page with ``good`` lines in Helvetica and ``bad`` lines in an embedded font whose ToUnicode map
    sends every glyph to ``unmapped``: they look right on the page but their text layer is garbage."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    for point, text in good:
        page.insert_text(point, text, fontsize=fontsize, fontname="helv")
    page.insert_font(fontname="F0", fontbuffer=pymupdf.Font("cjk").buffer)
    for point, text in bad:
        page.insert_text(point, text, fontsize=fontsize, fontname="F0")
    for xref in range(1, doc.xref_length()):
        kind, value = doc.xref_get_key(xref, "ToUnicode")
        if kind == "xref":
            doc.update_stream(int(value.split()[0]), _cmap_to(unmapped).encode())
    data = doc.tobytes()
    doc.close()
    return data
