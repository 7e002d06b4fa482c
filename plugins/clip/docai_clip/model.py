"""The ``clip`` family's model: a CLIP checkpoint loaded through docai's loader, behind the capability classes.

The work itself is in :mod:`docai_clip.embedding`; :mod:`docai_clip.retrieval` ranks many images for a text.
"""

from __future__ import annotations

from docai.errors import ModelError
from docai.plugins.capabilities import Embedder, ImageTextContrast, ZeroShotClassifier
from docai_clip import embedding


class Clip(Embedder, ImageTextContrast, ZeroShotClassifier):
    """``clip:CHECKPOINT``: embeddings, image-text similarity and zero-shot labels."""

    default_batch_size = 16

    def __init__(self, checkpoint: str, options=None) -> None:
        super().__init__(checkpoint, options)
        from docai.models import load_model

        self.loaded = load_model(checkpoint, kind="clip", device=self.device, dtype=self.dtype)
        self.model = self.loaded.model  # counted by memory_bytes(); close() drops both

    def embed_images_batch(self, images):
        return embedding.image_embeddings(self._loaded(), images)

    def embed_texts_batch(self, texts):
        return embedding.text_embeddings(self._loaded(), texts)

    def itc_batch(self, images, texts):
        return embedding.similarity(self._loaded(), images, texts)

    def zero_shot_batch(self, images, prompts):
        return embedding.zero_shot(self._loaded(), images, prompts)

    def _loaded(self):
        if self.loaded is None:
            raise ModelError(f"{self.name} was unloaded")
        return self.loaded
