"""The docai hooks of docai-llava: the ``llava`` model family and its loader kinds (imports no torch)."""

from __future__ import annotations

from docai.models.kinds import ModelKind
from docai.plugins import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(family="llava", capabilities=("chat", "vqa", "caption", "read_page"),
                       factory="docai_llava.model:LlavaModel", options="docai_llava.model:LlavaOptions",
                       description="LLaVA-1.5 / NeXT / OneVision: chat and VQA about images; VLMs that read pages"))


@hookimpl
def register_model_kinds(register):
    register(ModelKind(name="llava", model_type="llava", model_class="LlavaForConditionalGeneration",
                       architectures=("LlavaForConditionalGeneration",), tiny="docai_llava.tiny:write_tiny_llava",
                       description="LLaVA-1.5 (CLIP + projector + LLaMA-family LM)"))
    register(ModelKind(name="llava_next", model_type="llava_next", model_class="LlavaNextForConditionalGeneration",
                       architectures=("LlavaNextForConditionalGeneration",),
                       tiny="docai_llava.tiny:write_tiny_llava_next",
                       description="LLaVA-NeXT (any-resolution image tiles)"))
    register(ModelKind(name="llava_onevision", model_type="llava_onevision",
                       model_class="LlavaOnevisionForConditionalGeneration",
                       architectures=("LlavaOnevisionForConditionalGeneration",),
                       processor_class="docai_llava.onevision:ImageOnlyOnevisionProcessor",
                       tiny="docai_llava.tiny:write_tiny_llava_onevision",
                       description="LLaVA-OneVision"))
