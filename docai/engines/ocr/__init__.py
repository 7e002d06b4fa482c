"""Embedded OCR for scanned pages, with the models shipped in the rapidocr wheel (never downloaded).

``create(options)`` is the factory registered as engine ``"ocr"`` in :mod:`docai.engines`.
"""

from docai.engines.ocr.engine import OcrEngine, create

__all__ = ["OcrEngine", "create"]
