"""Benchmark: docai's text-layer path vs pymupdf4llm on the shared dev set.

For every PDF in ``<testdata>/pdf`` this converts with ``docai.convert(path, engine="text",
use_cache=False)`` and with ``pymupdf4llm.to_markdown(path)`` in the same run, and reports:

- pages per second for each (best of ``--repeat`` runs per file, summed over files);
- text similarity to ``<testdata>/reference_md/<name>.md`` (a peer's output; ``skipped_*`` have none),
  both macro-averaged over the files that have a reference:
  * ``F1``: token-level F1 of the two bags of words;
  * ``seq``: 1 − word-level edit distance / the longer word count (order matters).
  Before comparing, markdown syntax is stripped (HTML comments, link targets, ``# * _ | ` >``, table
  rules), text is lower-cased and split into ``\\w+`` tokens.

pymupdf4llm 2.0 runs the pymupdf_layout model by default (and OCRs pages it judges to need it);
the same call is timed with ``use_ocr=False`` too, and its cheapest mode, the legacy rule-based
path (``pymupdf4llm.use_layout(False)``), is reported as well. The last line is the headline:
the speed-up over pymupdf4llm's documented default call.

    python bench/textlayer.py                 # the whole dev set, best of 3
    python bench/textlayer.py --repeat 1 --limit 3
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pymupdf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import docai  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("DOCAI_SHARED", REPO.parent / "shared")) / "testdata" / "docling"

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$", re.MULTILINE)
_TOKEN = re.compile(r"\w+")


def tokens(markdown: str) -> list[str]:
    """The words of a markdown text, syntax stripped, lower case."""
    text = _COMMENT.sub(" ", markdown)
    text = _LINK.sub(r"\1", text)
    text = _TABLE_RULE.sub(" ", text)
    return _TOKEN.findall(text.lower().replace("_", " "))


def token_f1(a: list[str], b: list[str]) -> float:
    """F1 of the two bags of words (1.0 for two empty texts)."""
    if not a and not b:
        return 1.0
    common = sum((Counter(a) & Counter(b)).values())
    if not common:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


def sequence_similarity(a: list[str], b: list[str]) -> float:
    """1 − word-level Levenshtein distance / max(len(a), len(b)), one numpy row at a time."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    vocab: dict[str, int] = {}
    ia = np.array([vocab.setdefault(w, len(vocab)) for w in a])
    ib = np.array([vocab.setdefault(w, len(vocab)) for w in b])
    steps = np.arange(len(ib) + 1)
    row = steps.copy()
    for k, word in enumerate(ia, start=1):
        cand = np.empty_like(row)
        cand[0] = k
        cand[1:] = np.minimum(row[1:] + 1, row[:-1] + (ib != word))
        row = np.minimum.accumulate(cand - steps) + steps  # insertions: new[j] = min(cand[j], new[j-1] + 1)
    return 1.0 - row[-1] / max(len(a), len(b))


def best_time(convert: Callable[[Path], str], path: Path, repeat: int) -> tuple[float, str]:
    """The fastest of ``repeat`` conversions, and the markdown of the last one."""
    best, markdown = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        markdown = convert(path)
        best = min(best, time.perf_counter() - start)
    return best, markdown


def docai_text(path: Path) -> str:
    return docai.convert(path, engine="text", use_cache=False).markdown


def converters() -> dict[str, Callable[[Path], str]]:
    """The contenders, by name; the pymupdf4llm ones switch its layout mode before each call."""
    import pymupdf4llm

    def layout_default(path: Path) -> str:
        pymupdf4llm.use_layout(True)
        return pymupdf4llm.to_markdown(str(path))

    def layout_no_ocr(path: Path) -> str:
        pymupdf4llm.use_layout(True)
        return pymupdf4llm.to_markdown(str(path), use_ocr=False)

    def legacy(path: Path) -> str:
        pymupdf4llm.use_layout(False)
        try:
            return pymupdf4llm.to_markdown(str(path))
        finally:
            pymupdf4llm.use_layout(True)

    return {
        "docai text": docai_text,
        "pymupdf4llm (default)": layout_default,
        "pymupdf4llm (use_ocr=False)": layout_no_ocr,
        "pymupdf4llm (legacy, no layout model)": legacy,
    }


def main(argv: list[str] | None = None) -> None:
    from docai.models.cpu_probe import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with pdf/ and reference_md/")
    parser.add_argument("--repeat", type=int, default=3, help="runs per file; the fastest counts")
    parser.add_argument("--limit", type=int, default=0, help="only the first N PDFs (0: all)")
    args = parser.parse_args(argv)

    pdfs = sorted((args.data / "pdf").glob("*.pdf"))
    if args.limit:
        pdfs = pdfs[: args.limit]
    if not pdfs:
        sys.exit(f"no PDFs under {args.data / 'pdf'}")
    pages = {p: pymupdf.open(p).page_count for p in pdfs}
    total_pages = sum(pages.values())
    contenders = converters()
    import contextlib
    import io

    results: dict[str, dict[str, float]] = {}
    for name, convert in contenders.items():
        seconds, f1s, seqs = 0.0, [], []
        for pdf in pdfs:
            with contextlib.redirect_stdout(io.StringIO()):  # pymupdf4llm prints progress messages
                elapsed, markdown = best_time(convert, pdf, args.repeat)
            seconds += elapsed
            reference = args.data / "reference_md" / (pdf.stem + ".md")
            if reference.exists():
                ref = tokens(reference.read_text(encoding="utf-8"))
                got = tokens(markdown)
                f1s.append(token_f1(got, ref))
                seqs.append(sequence_similarity(got, ref))
        results[name] = {"pages_s": total_pages / seconds, "f1": float(np.mean(f1s)) if f1s else 0.0,
                         "seq": float(np.mean(seqs)) if seqs else 0.0, "seconds": seconds}
        print(f"{name:40s} {total_pages / seconds:8.2f} pages/s   F1 {results[name]['f1']:.3f}   "
              f"seq {results[name]['seq']:.3f}   ({seconds:.2f} s for {total_pages} pages)", flush=True)

    ours = results["docai text"]["pages_s"]
    for name in contenders:
        if name != "docai text":
            print(f"speed-up vs {name}: {ours / results[name]['pages_s']:.1f}x")
    print(f"textlayer speedup vs pymupdf4llm: {ours / results['pymupdf4llm (default)']['pages_s']:.1f}x")


if __name__ == "__main__":
    main()
