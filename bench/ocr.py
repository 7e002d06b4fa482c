"""OCR benchmark: seconds per scanned page and character accuracy on the shared ``scanned/`` set.

For docai's OCR path (``docai.convert(engine="ocr")``) and, as the named baseline, rapidocr's own
default pipeline (full-resolution detection + per-line angle classifier, same bundled models).
Character accuracy is 1 − CER on whitespace-normalised text. ``ocr_test*.pdf`` are scored against
``ocr_test.reference.md``; every page of ``nemotron_multipage.pdf`` shows that same sentence (its own
reference file is a peer engine's noisy output, so it is reported separately as "vs peer").

    python bench/ocr.py [--dpi 150] [--repeat 1] [--files ocr_test.pdf,...] [--no-baseline]

The last line is the headline: docai's seconds per page and accuracy, and the speed ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SCANNED = Path(os.environ.get("DOCAI_SHARED", REPO.parent / "shared")) / "testdata" / "docling" / "scanned"


def normalise(text: str) -> str:
    return " ".join(text.split())


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def char_accuracy(hyp: str, ref: str) -> float:
    hyp, ref = normalise(hyp), normalise(ref)
    return max(0.0, 1.0 - levenshtein(hyp, ref) / max(len(ref), 1))


def references() -> dict[str, tuple[str, str | None]]:
    """file name → (true text, peer reference or None)."""
    truth = (SCANNED / "ocr_test.reference.md").read_text()
    refs: dict[str, tuple[str, str | None]] = {}
    for pdf in sorted(SCANNED.glob("*.pdf")):
        peer = pdf.with_suffix(".reference.md")
        refs[pdf.name] = (truth, peer.read_text() if pdf.name.startswith("nemotron") and peer.exists() else None)
    return refs


def run_docai(path: Path, dpi: int) -> list[str]:
    import docai

    doc = docai.convert(path, engine="ocr", ocr_dpi=dpi, use_cache=False)
    return [" ".join(b.text for b in page.blocks) for page in doc.pages]


def run_baseline(path: Path, dpi: int, pipeline) -> list[str]:
    import pymupdf

    texts = []
    with pymupdf.open(path) as doc:
        for page in doc:
            pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB, alpha=False)
            img = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, 3)
            out = pipeline(img)
            texts.append(" ".join(out.txts or ()))
    return texts


def baseline_pipeline():
    from rapidocr import RapidOCR

    from docai.engines.ocr.models import bundled_model_paths, ocr_threads

    paths = bundled_model_paths()
    return RapidOCR(params={
        "Global.log_level": "error", "Det.model_path": str(paths["det"]), "Rec.model_path": str(paths["rec"]),
        "Cls.model_path": str(paths["cls"]), "EngineConfig.onnxruntime.intra_op_num_threads": ocr_threads(),
    })


def measure(name: str, run, files: list[str], refs, repeat: int) -> tuple[float, float]:
    pages, seconds, acc_sum = 0, 0.0, 0.0
    for fname in files:
        truth, peer = refs[fname]
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            texts = run(SCANNED / fname)
            best = min(best, time.perf_counter() - start)
        accs = [char_accuracy(t, truth) for t in texts]
        line = f"  {name:9s} {fname:28s} {len(texts)} p  {best / len(texts):6.2f} s/page  char acc {np.mean(accs):.3f}"
        if peer is not None:
            line += f"  (vs peer {char_accuracy(' '.join(texts), peer):.3f})"
        print(line, flush=True)
        pages += len(texts)
        seconds += best
        acc_sum += sum(accs)
    return seconds / pages, acc_sum / pages


def main() -> None:
    from docai.models.cpu_probe import cpu_description

    print(f"CPU: {cpu_description()}", flush=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=1, help="runs per file; the fastest counts")
    parser.add_argument("--files", default="", help="comma-separated names in scanned/ (default: all)")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    if not SCANNED.is_dir():
        sys.exit(f"shared scans not found at {SCANNED}")
    refs = references()
    files = [f for f in args.files.split(",") if f] or list(refs)
    print(f"scanned set: {', '.join(files)} at {args.dpi} DPI, threads={os.environ.get('DOCAI_OCR_THREADS', 'auto')}")
    run_docai(SCANNED / files[0], args.dpi)  # warm-up: model load is not per page
    docai_spp, docai_acc = measure("docai", lambda p: run_docai(p, args.dpi), files, refs, args.repeat)
    ratio = ""
    if not args.no_baseline:
        pipeline = baseline_pipeline()
        base_spp, base_acc = measure("rapidocr", lambda p: run_baseline(p, args.dpi, pipeline), files, refs, args.repeat)
        print(f"baseline rapidocr default pipeline: {base_spp:.2f} s/page, char accuracy {base_acc:.3f}")
        ratio = f", {base_spp / docai_spp:.1f}x the speed of rapidocr's default pipeline"
    print(f"ocr: {docai_spp:.2f} s/page, char accuracy {docai_acc:.3f}{ratio}")


if __name__ == "__main__":
    main()
