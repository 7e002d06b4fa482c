"""The shared real-document corpora (``<shared>/testdata``): used by the conservation test and by
``bench/coverage.py``."""

from __future__ import annotations

import csv
import os
from pathlib import Path

SHARED = Path(os.environ.get("DOCAI_SHARED", Path(__file__).resolve().parents[2].parent / "shared")) / "testdata"
#: the corpora are measured on the first pages of each document
FIRST_PAGES = 10


def corpus_pdfs(shared: Path = SHARED) -> list[Path]:
    """The realworld PDFs (in MANIFEST.tsv order) then the docling dev set's PDFs; [] where absent."""
    paths: list[Path] = []
    manifest = shared / "realworld" / "MANIFEST.tsv"
    if manifest.is_file():
        with open(manifest, newline="") as handle:
            paths += [shared / "realworld" / row["local_path"] for row in csv.DictReader(handle, delimiter="\t")]
    return paths + sorted((shared / "docling" / "pdf").glob("*.pdf"))
