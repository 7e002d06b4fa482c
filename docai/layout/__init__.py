"""Page layout shared by the text-layer and OCR paths: positioned lines → blocks in reading order."""

from docai.layout.lines import TextLine, lines_to_blocks

__all__ = ["TextLine", "lines_to_blocks"]
