"""A plugin model that can ``read_page`` as a page engine: ``docai convert --engine FAMILY:CHECKPOINT``.

Pages are rendered at the model's ``page_dpi`` (within the page-pixel limit), read in batches by the model
(:meth:`docai.plugins.capabilities.PageReader.read_page`: markdown parsed into blocks), cached like any
engine's pages under a key holding the plugin's distribution and version, the checkpoint (and its weights
stamp when it is a local directory) and the model's answer-changing options. The family's own options
(``--llava-page-prompt`` …, ``ConvertOptions.engine_options[FAMILY]``) are passed to the model.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from docai.engines.base import EngineOutput

if TYPE_CHECKING:
    from docai.ingest.source import PageContext
    from docai.options import ConvertOptions


class ModelPageEngine:
    """Runs a ``read_page`` plugin model over pages, one :class:`EngineOutput` with blocks per page."""

    def __init__(self, model_id: str, options: ConvertOptions) -> None:
        from docai.engines import engine_options_key
        from docai.plugins.models import get_model

        family_options = options.engine_options.get(engine_options_key(model_id), {})
        model_options = {**family_options, **({"batch_size": options.batch_size} if options.batch_size else {})}
        self.model = get_model(model_id, model_options or None, capability="read_page")
        record = self.model.record
        self.name = model_id
        self.version = f"{record.plugin}-{record.plugin_version}" if record else "0"
        self.dpi = int(getattr(self.model, "page_dpi", 150))

    def cache_options(self) -> dict[str, Any]:
        """The checkpoint (and its weights stamp), the model's answer-changing options and the render DPI."""
        return {"checkpoint": self.model.checkpoint, "weights": self.model.weights_stamp, "dpi": self.dpi,
                "options": self.model.options.cache_options()}

    def process(self, pages: list[PageContext]) -> list[EngineOutput]:
        """One output per page, in order."""
        start = time.perf_counter()
        images = [ctx.render(self.dpi) for ctx in pages]
        readings = self.model.read_page(images)
        per_page = (time.perf_counter() - start) / max(1, len(pages))
        return [EngineOutput(blocks=reading.blocks, timings={"model": per_page}) for reading in readings]


def create(options: ConvertOptions, model_id: str) -> ModelPageEngine:
    """The page engine for plugin model ``model_id`` (``FAMILY:CHECKPOINT``)."""
    return ModelPageEngine(model_id, options)
