"""Positioned text lines → paragraph/heading/list blocks. Used by the text-layer and OCR engines alike,
so both paths produce the same kinds of blocks."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.document import Block, BlockKind


@dataclass
class TextLine:
    """One line of text on a page, in PDF points (origin top-left).

    ``text`` may already hold inline markdown (bold/italic/links) when the source knows the styling;
    OCR lines carry plain text and ``confidence``.
    """

    text: str
    bbox: tuple[float, float, float, float]
    size: float = 0.0
    bold: bool = False
    italic: bool = False
    confidence: float | None = None


def lines_to_blocks(lines: list[TextLine], page_width: float, page_height: float) -> list[Block]:
    """Group lines (already in reading order) into paragraph blocks by vertical gaps."""
    blocks: list[Block] = []
    current: list[TextLine] = []

    def flush() -> None:
        if not current:
            return
        text = " ".join(line.text.strip() for line in current if line.text.strip())
        x0 = min(line.bbox[0] for line in current)
        y0 = min(line.bbox[1] for line in current)
        x1 = max(line.bbox[2] for line in current)
        y1 = max(line.bbox[3] for line in current)
        confs = [line.confidence for line in current if line.confidence is not None]
        blocks.append(Block(kind=BlockKind.paragraph, text=text, bbox=(x0, y0, x1, y1),
                            font_size=max((line.size for line in current), default=0.0) or None,
                            confidence=(sum(confs) / len(confs)) if confs else None))
        current.clear()

    for line in lines:
        if current:
            prev = current[-1]
            height = max(prev.bbox[3] - prev.bbox[1], 1.0)
            if line.bbox[1] - prev.bbox[3] > 0.8 * height or line.bbox[1] < prev.bbox[1] - height:
                flush()
        current.append(line)
    flush()
    return blocks
