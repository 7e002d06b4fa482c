"""Benchmark: what the pymupdf_layout model (shipped with pymupdf4llm 2.0) costs per page, against
docai's whole text path, on the first 6 PDFs of the dev set, in the same run: pymupdf4llm with the
model (``use_ocr=False``) and without it (``use_layout(False)``), and ``docai.convert(engine="text")``.

    python bench/layout_cost.py

The last line is the headline: the model's cost per page, and as a multiple of docai's text path.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pymupdf
import pymupdf4llm

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import docai  # noqa: E402

DATA = Path(os.environ.get("DOCAI_SHARED", REPO.parent / "shared")) / "testdata" / "docling" / "pdf"


def seconds(convert: Callable[[str], object], pdfs: list[str]) -> float:
    """Wall time to convert every PDF once (progress output swallowed)."""
    start = time.perf_counter()
    for pdf in pdfs:
        with contextlib.redirect_stdout(io.StringIO()):
            convert(pdf)
    return time.perf_counter() - start


def main() -> None:
    pdfs = [str(p) for p in sorted(DATA.glob("*.pdf"))[:6]]
    pages = sum(pymupdf.open(p).page_count for p in pdfs)
    pymupdf4llm.use_layout(True)
    seconds(lambda p: pymupdf4llm.to_markdown(p, use_ocr=False), pdfs[:1])  # load the model first
    with_model = seconds(lambda p: pymupdf4llm.to_markdown(p, use_ocr=False), pdfs)
    pymupdf4llm.use_layout(False)
    without = seconds(pymupdf4llm.to_markdown, pdfs)
    pymupdf4llm.use_layout(True)
    ours = seconds(lambda p: docai.convert(p, engine="text", use_cache=False), pdfs)
    print(f"CPU: {platform.processor() or platform.machine()}; {pages} pages")
    print(f"pymupdf4llm with pymupdf_layout: {1000 * with_model / pages:.0f} ms/page")
    print(f"pymupdf4llm without it:          {1000 * without / pages:.0f} ms/page")
    print(f"docai text path:                 {1000 * ours / pages:.0f} ms/page")
    cost = (with_model - without) / pages
    print(f"pymupdf_layout cost: {1000 * cost:.0f} ms/page = {cost * pages / ours:.1f}x docai's whole text path")


if __name__ == "__main__":
    main()
