"""docai-lavit's hooks: the ``lavit`` model family and loader kind (no heavy imports here).

``lavit:DIR`` is a converted checkpoint directory (``docai dev convert-checkpoint lavit SRC DIR`` turns the
released ``rain1011/LaVIT-7B-v2`` layout into it); it captions, answers questions and draws images from text,
or from an image and text. ``docai dev tiny-model lavit DIR`` writes a tiny random one.
"""

from __future__ import annotations

from pydantic import Field

from docai.models.kinds import ModelKind
from docai.plugins import ModelOptions, ModelSpec, hookimpl


class LavitOptions(ModelOptions):
    """Options of the ``lavit`` family (the image-generation ones the request does not carry)."""

    llm_guidance: float = Field(default=4.0, ge=0.0, le=50.0,
                                description="classifier-free guidance of the LM sampling visual tokens")


@hookimpl
def register_models(register):
    register(ModelSpec(
        family="lavit",
        capabilities=["caption", "vqa", "generate_image"],
        factory="docai_lavit.family:Lavit",
        options=LavitOptions,
        description="LaVIT: dynamic visual tokens in a unified LLaMA — captions, VQA, text(+image) to image",
    ))


@hookimpl
def register_model_kinds(register):
    register(ModelKind(
        name="lavit", model_type="lavit", model_class="docai_lavit.model:LavitModel",
        tiny="docai_lavit.tiny:write_tiny_model", convert="docai_lavit.convert:convert_checkpoint",
        description="LaVIT converted checkpoint (visual tokenizer, LLaMA, SDXL-style pixel decoder)",
    ))
