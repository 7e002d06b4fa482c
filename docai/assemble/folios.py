"""What the text of running headers and footers looks like: page numbers, and the lines that mark a
page as furniture even on a one-page document (journal lines, download and publisher notices,
DOI, ISSN/ISBN and volume/issue lines, copyright lines, printers' slugs)."""

from __future__ import annotations

import re

#: a roman numeral up to 399 (so "mix", "ill" or "did" are words, not folios)
_ROMAN = r"(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
_PAGE_NUMBER = re.compile(
    rf"^(page\s*|p\.\s*)?(\d{{1,4}}|{_ROMAN})(\s*(of|/)\s*\d{{1,4}})?$"  # 12, Page 3, 3 / 10, xii
    r"|^[-–—]\s*(\d{1,4}|" + _ROMAN + r")\s*[-–—]$"  # - 7 -, – iv –
    r"|^\d{1,2}[-–.]\d{1,3}$"  # chapter-page folios: 7-45
    r"|^第\s*\d{1,4}\s*页(\s*共\s*\d{1,4}\s*页)?$",  # 第2页共6页
    re.IGNORECASE,
)
_MARKUP = re.compile(r"[*_`#\[\]()|]")
#: a folio beside a running title: "78 ICT report title", "Chapter title 12", "iv Preface"
_FOLIO = rf"(?!(19|20)\d\d\b|0\b)(\d{{1,4}}|{_ROMAN})"  # not a year
_FOLIO_AND_TITLE = re.compile(rf"^{_FOLIO}\s+\S.{{2,120}}$|^\S.{{2,120}}\s{_FOLIO}$", re.IGNORECASE)
#: lines that are furniture wherever they stand in a top or bottom band, on any single page
_FURNITURE_LINE = re.compile("|".join([
    r"\bdownloaded\s+(from|by|on|at|via)\b",
    r"^published\s+(by|online|in)\b",
    r"\bdoi\s*:\s*10\.\d{4,}/|\bdoi\.org/10\.\d{4,}/",
    r"\bvol(\.|ume)?\s*\d+\s*[,;]?\s*(no\.?|issue|iss\.?|nr\.?)\s*\d+",
    r"\b\d{1,4}\s*\((19|20)\d\d\)\s*\d{1,6}\s*[-–]\s*\d{1,6}\b",  # Journal of Hydrology 310 (2005) 253–265
    r"\bissn\b|\bisbn\b|\b\d{4}-\d{3}[\dx]/\$",  # 0022-1694/$ - see front matter
    r"\b97[89]-\d{1,5}-\d{1,7}-\d{1,7}-[\dx]\b",  # ISBN-13 with its price line
    r"all rights reserved|©\s*(19|20)\d\d|copyright\s*©?\s*(19|20)\d\d",
    r"full\s+text\s+archive\s+of\s+this\s+journal",
    r"\.(indd|indb|qxd|qxp)\b",  # printer's slug: file name of the layout
    r"^\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d\d(:\d\d)?$",  # slug's date and time
]), re.IGNORECASE)


def plain(text: str) -> str:
    """Text without inline markdown and with single spaces."""
    return " ".join(_MARKUP.sub(" ", text).split())


def normalise(text: str) -> str:
    """Text compared across pages: lower case, markup and spacing dropped, every number as ``#``."""
    return " ".join(re.sub(r"\d+", "#", plain(text).lower()).split())


def numbers(text: str) -> list[str]:
    """The numbers in ``text`` as written (``1,234.50`` is one number)."""
    return re.findall(r"\d+(?:[.,]\d+)*", text)


def is_page_number(text: str) -> bool:
    """``12``, ``Page 3``, ``3 / 10``, ``- 7 -``, ``xii``, ``7-45``, ``第2页共6页``; not ``(6)``."""
    bare = re.sub(r"[*_`#|]", "", text).strip()
    if bare.startswith("(") and bare.endswith(")"):
        return False  # an equation or list number: (6)
    return bool(_PAGE_NUMBER.match(_MARKUP.sub("", bare).strip()))


def is_furniture_line(text: str) -> bool:
    """A journal, download, publisher, DOI/ISSN/volume or copyright line, or a printer's slug."""
    return bool(_FURNITURE_LINE.search(" ".join(re.sub(r"[*_`]", "", text).split())))


def is_folio_and_title(text: str) -> bool:
    """A page number beside a short running title, on one line."""
    return bool(_FOLIO_AND_TITLE.match(plain(text)))
