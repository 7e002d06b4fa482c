"""docai-emu's hooks: the ``emu`` model family and loader kind (no heavy imports here).

``emu:CHECKPOINT`` is an Emu3 checkpoint in transformers' format: the Chat one (``BAAI/Emu3-Chat-hf``)
captions, answers questions and chats; the Gen one (``BAAI/Emu3-Gen-hf``) draws images from text. Both load the
same way. ``docai dev tiny-model emu DIR`` writes a tiny random checkpoint that does all of it.
"""

from __future__ import annotations

from pydantic import Field

from docai.models.kinds import ModelKind
from docai.plugins import ModelOptions, ModelSpec, hookimpl


class EmuOptions(ModelOptions):
    """Options of the ``emu`` family (the image-generation ones the request does not carry)."""

    top_k: int = Field(default=2048, ge=1, description="visual tokens sampled among the k most likely")
    ratio: str = Field(default="1:1", pattern=r"^[1-9][0-9]*:[1-9][0-9]*$",
                       description="aspect ratio W:H of a generated image when no width/height is given")


@hookimpl
def register_models(register):
    register(ModelSpec(
        family="emu",
        capabilities=["caption", "vqa", "chat", "generate_image"],
        factory="docai_emu.family:Emu",
        options=EmuOptions,
        description="Emu3: next-token prediction over text and VQ image tokens — captions, VQA and chat "
                    "(Chat checkpoint), text to image (Gen checkpoint)",
        default_checkpoint="BAAI/Emu3-Chat-hf",
    ))


@hookimpl
def register_model_kinds(register):
    register(ModelKind(
        name="emu", model_type="emu3", model_class="Emu3ForConditionalGeneration", processor_class="Emu3Processor",
        architectures=("Emu3ForConditionalGeneration",), image_processor_prefix="Emu3",
        tiny="docai_emu.tiny:write_tiny_model", description="Emu3 (Chat or Gen) in transformers",
    ))
