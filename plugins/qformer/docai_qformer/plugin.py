"""The docai hooks of docai-qformer: the ``qformer`` family (BLIP-2, InstructBLIP) and its loader kinds."""

from __future__ import annotations

from docai.models.kinds import ModelKind
from docai.plugins import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(family="qformer", capabilities=("caption", "vqa", "itm", "itc"),
                       factory="docai_qformer.model:QFormerModel", options="docai_qformer.model:QFormerOptions",
                       description="BLIP-2 (OPT, Flan-T5) and InstructBLIP: captions, VQA; BLIP-2 retrieval: ITM/ITC"))


@hookimpl
def register_model_kinds(register):
    register(ModelKind(name="blip2", model_type="blip-2", model_class="Blip2ForConditionalGeneration",
                       architectures=("Blip2ForConditionalGeneration",), tiny="docai_qformer.tiny:write_tiny_qformer",
                       description="BLIP-2 with an OPT or Flan-T5 language model"))
    register(ModelKind(name="blip2_retrieval", model_type="blip-2", model_class="Blip2ForImageTextRetrieval",
                       architectures=("Blip2ForImageTextRetrieval",), tiny="docai_qformer.tiny:write_tiny_blip2_itm",
                       description="BLIP-2 image-text retrieval (ITM head, ITC)"))
    register(ModelKind(name="instructblip", model_type="instructblip",
                       model_class="InstructBlipForConditionalGeneration",
                       architectures=("InstructBlipForConditionalGeneration",),
                       tiny="docai_qformer.tiny:write_tiny_instructblip",
                       description="InstructBLIP (instruction-aware Q-Former)"))
