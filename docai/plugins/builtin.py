"""The built-in page engines and loader kinds, registered through the same hooks as any plugin.

Registered under the plugin name ``docai``, always (``DOCAI_PLUGINS`` filters installed distributions only).
Nothing here imports an engine or torch: factories are ``"module:attr"`` strings.
"""

from __future__ import annotations

from docai.models.kinds import ModelKind
from docai.plugins.hookspecs import hookimpl
from docai.plugins.specs import EngineSpec

_SWIN_MBART = {"model_type": "vision-encoder-decoder", "model_class": "VisionEncoderDecoderModel",
               "architectures": ("VisionEncoderDecoderModel",), "encoder_types": ("donut-swin",),
               "decoder_types": ("mbart",), "sdpa_capable": True, "split_dtype": True}

NOUGAT = ModelKind(name="nougat", processor_class="NougatProcessor", image_processor_prefix="Nougat",
                   tiny="docai.models.tiny:write_tiny_nougat", description="Nougat (DonutSwin + mBART)",
                   **_SWIN_MBART)
DONUT = ModelKind(name="donut", processor_class="DonutProcessor", image_processor_prefix="Donut",
                  tiny="docai.models.tiny:write_tiny_donut", description="Donut (DonutSwin + mBART)",
                  **_SWIN_MBART)


@hookimpl
def register_model_kinds(register):
    register(NOUGAT)
    register(DONUT)


@hookimpl
def register_engines(register):
    register(EngineSpec(name="text", factory="docai.engines.textlayer:create", queue="cpu",
                        description="the PDF's own text layer: layout, tables, reading order"))
    register(EngineSpec(name="ocr", factory="docai.engines.ocr:create", queue="gpu",
                        options="docai.engines.options:OcrOptions",
                        description="OCR of the rendered page (RapidOCR)"))
    register(EngineSpec(name="nougat", factory="docai.engines.nougat:create", queue="gpu", requires="model",
                        options="docai.engines.options:NougatOptions",
                        description="Nougat: scanned academic pages to markdown with math and tables"))
    register(EngineSpec(name="donut", factory="docai.engines.donut:create", queue="gpu", requires="model",
                        options="docai.engines.options:DonutOptions",
                        description="Donut: a task's JSON per page"))
