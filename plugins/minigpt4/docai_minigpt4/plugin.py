"""The docai hooks of docai-minigpt4: the ``minigpt4`` family and its loader kind (imports no torch)."""

from __future__ import annotations

from docai.models.kinds import ModelKind
from docai.plugins import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(family="minigpt4", capabilities=("chat", "vqa", "caption"),
                       factory="docai_minigpt4.plugin_model:MiniGPT4Model",
                       options="docai_minigpt4.plugin_model:MiniGPT4Options",
                       description="MiniGPT-4 (Vicuna / LLaMA-2): chat and VQA about an image"))


@hookimpl
def register_model_kinds(register):
    register(ModelKind(name="minigpt4", model_type="minigpt4",
                       model_class="docai_minigpt4.model:MiniGPT4ForConditionalGeneration",
                       architectures=("MiniGPT4ForConditionalGeneration",),
                       tiny="docai_minigpt4.tiny:write_tiny_minigpt4",
                       convert="docai_minigpt4.convert:convert",
                       description="MiniGPT-4 composed: EVA ViT-g + Q-Former + llama_proj + LLaMA"))
