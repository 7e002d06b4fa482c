"""Benchmark: how many words of each page's text layer docai keeps, against pymupdf4llm in the same run.

Corpus: the first 10 pages of every PDF in ``<shared>/testdata/realworld`` (listed in its MANIFEST.tsv)
plus every PDF of the docling dev set ``<shared>/testdata/docling/pdf``.
Per page with a text layer, the metric (:mod:`docai.conservation`) is **multiset word recall**: the
words of ``page.get_text()`` (NFKC, lower case, runs of letters/digits/marks, one word per CJK
character, a word hyphenated across a line break counted once) found in the page's markdown; and
**added words**: words of the markdown that the text layer does not have.

docai runs as users run it, one ``docai.convert(path, pages="1-10", use_cache=False)`` per document
(so the document-level passes apply), twice: by default, where running headers, footers and page numbers
are set aside (listed in the page's ``set_aside``, out of the markdown, as issue 7 §5 asks), and with
``keep_furniture=True`` (``--keep-furniture``), where they stay in the markdown as pymupdf4llm's default
keeps them. pymupdf4llm runs ``pymupdf4llm.to_markdown(path, pages=[i])`` per page. The last line is the
headline: docai's mean recall with ``--keep-furniture`` and by default, its share of pages under 0.80
(both), and pymupdf4llm's mean recall.

    python bench/coverage.py                 # both, the whole corpus
    python bench/coverage.py --docai-only    # docai alone, for quick iteration
    python bench/coverage.py --worst 15      # list the 15 worst pages with their missing words
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import docai  # noqa: E402
from docai.conservation import (  # noqa: E402
    Coverage,
    LayerWords,
    coverage,
    kept_words,
    layer_words,
    markdown_words,
    page_layer,
    words,
)
from docai.models.cpu_probe import cpu_model  # noqa: E402
from tests.support.corpora import FIRST_PAGES, corpus_pdfs  # noqa: E402

LOW = 0.80




def deduplicated_layer(page: pymupdf.Page) -> LayerWords:
    """The page's text layer with a glyph drawn again at the same spot counted once — pdfplumber's
    ``dedupe_chars`` rule (the same character within 1 pt), independent of docai's own overprint code. The
    multiset metric counts every copy of an overprinted (fake-bold) line, so reading it once, as docai does,
    scores as a loss; this reference does not."""
    seen: dict[tuple[str, int, int], list[tuple[float, float]]] = defaultdict(list)
    lines: list[str] = []
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", []):
            kept: list[str] = []
            placed: list[tuple[str, float, float]] = []
            for span in line["spans"]:
                for char in span["chars"]:
                    c, (x, y) = char["c"], char["origin"]
                    cx, cy = round(x), round(y)
                    if not c.isspace() and any(abs(x - a) <= 1 and abs(y - b) <= 1 for dx in (-1, 0, 1)
                                               for dy in (-1, 0, 1) for a, b in seen.get((c, cx + dx, cy + dy), ())):
                        continue
                    placed.append((c, x, y))
                    kept.append(c)
            for c, x, y in placed:  # a copy is another line drawn over this one, never within one line
                seen[(c, round(x), round(y))].append((x, y))
            lines.append("".join(kept))
    return layer_words("\n".join(lines))


@dataclass
class PageScore:
    """One page's figures for docai and, unless skipped, pymupdf4llm."""

    name: str
    number: int
    docai: Coverage
    peer: Coverage | None = None
    route: str = ""
    with_furniture: Coverage | None = None  # the markdown of docai --keep-furniture
    conserved: Coverage | None = None  # markdown + everything set aside
    deduplicated: Coverage | None = None  # --keep-furniture against the layer with overprinted copies once
    peer_deduplicated: Coverage | None = None
    set_aside: str = ""  # words set aside by reason, with --keep-furniture ("overprinted_duplicate 12, …")


@dataclass
class Totals:
    scores: list[PageScore] = field(default_factory=list)
    docai_s: float = 0.0
    peer_s: float = 0.0


def score_document(path: Path, *, with_peer: bool) -> tuple[list[PageScore], float, float]:
    """Scores of the first pages of one PDF, and the seconds docai and pymupdf4llm took."""
    with pymupdf.open(path) as doc:
        count = min(FIRST_PAGES, doc.page_count)
        layers = [page_layer(doc[i]) for i in range(count)]
        single = [deduplicated_layer(doc[i]) for i in range(count)]
    start = time.perf_counter()
    document = docai.convert(path, pages=f"1-{count}", use_cache=False)
    docai_s = time.perf_counter() - start
    kept = {p.number: p for p in docai.convert(path, pages=f"1-{count}", use_cache=False, keep_furniture=True).pages}
    peer_md: list[str | None] = [None] * count
    peer_s = 0.0
    if with_peer:
        import pymupdf4llm

        for i in range(count):
            if not len(layers[i]):
                continue
            start = time.perf_counter()
            peer_md[i] = pymupdf4llm.to_markdown(str(path), pages=[i], show_progress=False)
            peer_s += time.perf_counter() - start
    by_number = {p.number: p for p in document.pages}
    scores = []
    for i in range(count):
        if not len(layers[i]):
            continue  # no text layer: nothing to keep
        page = by_number.get(i + 1)
        ours = coverage(layers[i], markdown_words(page.markdown) if page else [])
        peer = coverage(layers[i], markdown_words(peer_md[i])) if peer_md[i] is not None else None
        with_furniture = kept.get(i + 1)
        reasons: Counter[str] = Counter()
        for item in with_furniture.set_aside if with_furniture else []:
            reasons[item.reason.value] += len(words(item.text))
        scores.append(PageScore(path.name, i + 1, ours, peer, page.route.value if page else "missing",
                                coverage(layers[i], markdown_words(with_furniture.markdown) if with_furniture else []),
                                coverage(layers[i], kept_words(page) if page else []),
                                deduplicated=coverage(single[i], markdown_words(with_furniture.markdown)
                                                      if with_furniture else []),
                                peer_deduplicated=coverage(single[i], markdown_words(peer_md[i]))
                                if peer_md[i] is not None else None,
                                set_aside=", ".join(f"{reason} {n}" for reason, n in reasons.most_common())))
    return scores, docai_s, peer_s


def _summary(values: list[Coverage]) -> tuple[float, float, float]:
    recalls = [c.recall for c in values]
    added = sum(c.added for c in values) / max(1, sum(c.output for c in values))
    return statistics.fmean(recalls), sum(r < LOW for r in recalls) / len(recalls), added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docai-only", action="store_true", help="skip pymupdf4llm (quick iteration)")
    parser.add_argument("--worst", type=int, default=10, help="list this many worst docai pages")
    parser.add_argument("--only", help="only PDFs whose name contains this")
    args = parser.parse_args(argv)

    print(f"CPU: {cpu_model()}; pymupdf {pymupdf.VersionBind}; docai {docai.__version__}")
    totals = Totals()
    for path in corpus_pdfs():
        if args.only and args.only not in path.name:
            continue
        scores, docai_s, peer_s = score_document(path, with_peer=not args.docai_only)
        totals.scores += scores
        totals.docai_s += docai_s
        totals.peer_s += peer_s
        if scores:
            mean = statistics.fmean(s.docai.recall for s in scores)
            peer = "" if args.docai_only else f"  pymupdf4llm {statistics.fmean(s.peer.recall for s in scores):.3f}"
            print(f"{path.name:48s} {len(scores):2d} pages  docai {mean:.3f}{peer}")
    scores = totals.scores
    for title, of in (("docai", lambda s: s.docai), ("docai --keep-furniture", lambda s: s.with_furniture)):
        print(f"\nworst {args.worst} {title} pages:")
        for s in sorted(scores, key=lambda s: of(s).recall)[: args.worst]:
            missing = " ".join(of(s).missing[:12])
            aside = f" [set aside: {s.set_aside}]" if s.set_aside and of(s) is s.with_furniture else ""
            print(f"  {of(s).recall:.3f} {s.name} p{s.number} ({s.route}, {of(s).layer} words){aside}: {missing}")
    mean, low, added = _summary([s.docai for s in scores])
    print(f"\n{len(scores)} pages with a text layer; docai {totals.docai_s:.1f} s, pymupdf4llm {totals.peer_s:.1f} s")
    print(f"docai added words: {added:.2%}")
    kept_mean, kept_low, _ = _summary([s.with_furniture for s in scores])
    print(f"docai --keep-furniture: mean recall {kept_mean:.3f}, {kept_low:.1%} of pages under {LOW:.2f}")
    single_mean, single_low, _ = _summary([s.deduplicated for s in scores])
    print(f"docai --keep-furniture against the layer with overprinted copies counted once: mean recall "
          f"{single_mean:.3f}, {single_low:.1%} of pages under {LOW:.2f}")
    conserved, _, _ = _summary([s.conserved for s in scores])
    print(f"docai markdown + everything set aside (conservation): mean recall {conserved:.3f}")
    headline = (f"docai mean recall {kept_mean:.3f} with --keep-furniture ({mean:.3f} by default, furniture set "
                f"aside), {kept_low:.1%} ({low:.1%}) of pages under {LOW:.2f}")
    if args.docai_only:
        print(f"{headline}; pymupdf4llm not run")
        return 0
    peer_mean, peer_low, peer_added = _summary([s.peer for s in scores if s.peer is not None])
    print(f"pymupdf4llm: {peer_low:.1%} of pages under {LOW:.2f}, added words {peer_added:.2%}")
    peer_single, peer_single_low, _ = _summary([s.peer_deduplicated for s in scores if s.peer_deduplicated])
    print(f"pymupdf4llm against the layer with overprinted copies counted once: mean recall {peer_single:.3f}, "
          f"{peer_single_low:.1%} of pages under {LOW:.2f}")
    print(f"{headline}; pymupdf4llm mean recall {peer_mean:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
