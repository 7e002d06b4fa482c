"""docai-clip's hooks: the ``clip`` model family, its loader kind and ``docai retrieve`` (no heavy imports).

``clip:CHECKPOINT`` (e.g. ``clip:openai/clip-vit-base-patch32``) embeds images and texts, scores their
cosine similarity (``itc``) and classifies zero-shot ("a photo of a {}."); ``docai retrieve TEXT IMAGE...``
ranks images by how well they match a text. ``docai dev tiny-model clip DIR`` writes a tiny random
checkpoint.
"""

from __future__ import annotations

from docai.models.kinds import ModelKind
from docai.plugins import ModelSpec, hookimpl


@hookimpl
def register_models(register):
    register(ModelSpec(
        family="clip",
        capabilities=["embed", "itc", "zero_shot"],
        factory="docai_clip.model:Clip",
        description="CLIP: zero-shot labels, image and text embeddings, image-text similarity and retrieval",
        default_checkpoint="openai/clip-vit-base-patch32",
    ))


@hookimpl
def register_model_kinds(register):
    register(ModelKind(name="clip", model_type="clip", model_class="CLIPModel", processor_class="CLIPProcessor",
                       architectures=("CLIPModel",), image_processor_prefix="CLIP",
                       tiny="docai_clip.tiny:write_tiny", description="CLIP (ViT image + text encoders)"))


@hookimpl
def register_commands(cli):
    from docai_clip.cli import retrieve_cmd

    cli.add_command(retrieve_cmd)
