"""Converting many inputs into an output directory: one file per input, skipping finished ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from docai.errors import DocaiError, InputError
from docai.options import ConvertOptions
from docai.pipeline import ProgressCallback, convert
from schemas.document import Document

SUPPORTED_SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def expand_inputs(inputs: Iterable[str]) -> list[str]:
    """Paths as given; a directory contributes its supported files (sorted, recursively)."""
    out: list[str] = []
    for item in inputs:
        path = Path(item)
        if item != "-" and path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            if not found:
                raise InputError(f"{path}: directory holds no PDF or image files")
            out.extend(str(p) for p in found)
        else:
            out.append(item)
    return out


def render(document: Document, fmt: str) -> str:
    """The document as ``md`` (markdown) or ``json`` text."""
    if fmt == "json":
        return document.model_dump_json(indent=2) + "\n"
    return document.markdown


def output_path(input_path: str, out_dir: Path, fmt: str, taken: set[Path]) -> Path:
    """``out_dir/<stem>.<md|json>``; stems that collide get ``-2``, ``-3``..."""
    stem = "stdin" if input_path == "-" else Path(input_path).stem
    suffix = ".json" if fmt == "json" else ".md"
    candidate = out_dir / f"{stem}{suffix}"
    n = 2
    while candidate in taken:
        candidate = out_dir / f"{stem}-{n}{suffix}"
        n += 1
    taken.add(candidate)
    return candidate


@dataclass
class BatchItem:
    """What happened to one input of a batch."""

    input: str
    output: Path
    status: str  # "done", "skipped" or "failed"
    error: DocaiError | None = None
    pages: int = 0


def convert_many(inputs: list[str], out_dir: Path, options: ConvertOptions, fmt: str = "md", *,
                 progress_for: Callable[[str], ProgressCallback | None] | None = None) -> Iterator[BatchItem]:
    """Convert each input into ``out_dir``; a failing input is reported and the others go on.

    An output that already exists is skipped unless ``options.recompute``. Files are written
    atomically (``.part`` then rename), so an interrupted run never leaves a half file that counts
    as done.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: set[Path] = set()
    for item in inputs:
        target = output_path(item, out_dir, fmt, taken)
        if target.exists() and not options.recompute:
            yield BatchItem(item, target, "skipped")
            continue
        try:
            source = _stdin_bytes() if item == "-" else item
            document = convert(source, options, progress=progress_for(item) if progress_for else None)
        except DocaiError as exc:
            yield BatchItem(item, target, "failed", exc)
            continue
        part = target.with_name(target.name + ".part")
        part.write_text(render(document, fmt))
        part.replace(target)
        yield BatchItem(item, target, "done", pages=len(document.pages))


def _stdin_bytes() -> bytes:
    import sys

    return sys.stdin.buffer.read()
