"""Conservation of text on real documents nobody here wrote: every word of each page's text layer
ends up in the page's markdown or in its ``set_aside`` with a reason (issue 7). Runs on the first
pages of every PDF of the shared corpora (realworld and the docling dev set) through the text path."""

from __future__ import annotations

import pymupdf
import pytest

import docai
from docai.conservation import coverage, kept_words, page_layer
from tests.support.corpora import FIRST_PAGES, corpus_pdfs

PDFS = corpus_pdfs()
#: words the check cannot account for, by (file, page), with the reason; kept short and explained
KNOWN = {
    # diagram labels set edge to edge in two sizes ("h1" then a small "title" under it): read as one
    # word "h1title", while the layer pairs them the other way round ("title h1")
    ("demo3.pdf", 3): {"h1"},
}


@pytest.mark.skipif(not PDFS, reason="shared test data not found")
@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_every_word_of_the_text_layer_is_kept_or_set_aside(path):
    with pymupdf.open(path) as doc:
        count = min(FIRST_PAGES, doc.page_count)
        layers = [page_layer(doc[i]) for i in range(count)]
    document = docai.convert(path, pages=f"1-{count}", engine="text", use_cache=False)
    lost = {}
    for page in document.pages:
        result = coverage(layers[page.number - 1], kept_words(page))
        unexplained = set(result.missing) - KNOWN.get((path.name, page.number), set())
        if unexplained:
            lost[page.number] = sorted(unexplained)[:20]
    assert not lost, f"words of the text layer neither in the markdown nor set aside, by page: {lost}"
