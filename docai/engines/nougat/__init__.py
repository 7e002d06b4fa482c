"""Nougat: scanned academic pages → markdown with math and tables (facebookresearch/nougat).

``create(options)`` is the factory registered as engine ``"nougat"`` in :mod:`docai.engines`; the
modules hold the stages: ``preprocess`` (page → pixels), ``decode`` (batched greedy
generation), ``guard`` (repetition detection), ``postprocess``/``references`` (text clean-up),
``blocks``/``tables`` (markdown → blocks), ``outcome`` and ``engine`` (putting it together).
Heavy libraries (torch, transformers) are imported only when the engine is created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docai.engines.nougat.engine import NougatEngine
    from docai.options import ConvertOptions


def create(options: ConvertOptions) -> NougatEngine:
    """The engine factory registered as ``nougat`` in :mod:`docai.engines`."""
    from docai.engines.nougat.engine import create as _create

    return _create(options)


__all__ = ["create"]
