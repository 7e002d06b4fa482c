"""A loaded Donut checkpoint: model, tokenizer and image processor (loaded once per process by the loader)."""

from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from docai.engines.donut.tokens import category_names

#: tokenizer → (vocabulary, categories), read once per loaded tokenizer; weak, so dropping a model from
#: the loader's cache (``docai.models.clear_model_cache``) still frees it
_vocabularies: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()

#: what transformers puts in a generation config that names no max_length
_TRANSFORMERS_DEFAULT_MAX_LENGTH = 20


@dataclass
class DonutModel:
    """A Donut checkpoint ready to run: a ``VisionEncoderDecoderModel`` with its tokenizer and image
    processor, on ``device`` in ``dtype``. ``name`` is what the user gave (hub id or local dir)."""

    name: str
    model: Any
    tokenizer: Any
    image_processor: Any
    device: Any = None
    dtype: Any = None
    source: str = ""  # the local checkpoint directory ("" when built in memory)

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every token of the tokenizer, added ones included (task, field and category tokens)."""
        return self._tokens()[0]

    @property
    def categories(self) -> frozenset[str]:
        """The categorical values (``<letter/>`` → ``letter``) this checkpoint can emit."""
        return self._tokens()[1]

    def _tokens(self) -> tuple[frozenset[str], frozenset[str]]:
        with _lock:
            known = _vocabularies.get(self.tokenizer)
            if known is None:
                known = _vocabularies[self.tokenizer] = (
                    frozenset(self.tokenizer.get_vocab()),
                    frozenset(category_names(self.tokenizer.get_added_vocab())),
                )
            return known

    @property
    def image_size(self) -> tuple[int, int]:
        """The (height, width) canvas the encoder reads."""
        size = getattr(self.image_processor, "size", None) or {}
        get = size.get if isinstance(size, dict) else (lambda k: getattr(size, k, None))
        height, width = get("height"), get("width")
        if not height or not width:
            height, width = self.model.config.encoder.image_size
        return int(height), int(width)

    @property
    def max_length(self) -> int:
        """The longest sequence the decoder may produce: the checkpoint's generation ``max_length`` when it
        sets one, else the decoder's position limit (the public Donut fine-tunes set none)."""
        limit = getattr(getattr(self.model, "generation_config", None), "max_length", None) or 0
        positions = getattr(self.model.config.decoder, "max_position_embeddings", 0) or 0
        if limit == _TRANSFORMERS_DEFAULT_MAX_LENGTH or not limit:
            limit = positions
        return int(min(limit, positions) if positions else (limit or 512))


def load_donut(model: str | os.PathLike | DonutModel, *, device: str | None = None,
               dtype: str | None = None, allow_pickle: bool = False) -> DonutModel:
    """The :class:`DonutModel` for a hub id or local dir, or ``model`` itself if already loaded.

    Loading goes through :func:`docai.models.load_model` (safetensors only, no remote code, one copy per
    process, in the loader's cache). Raises :class:`docai.errors.ModelError` when the checkpoint is missing, unsafe or not a Donut.
    """
    if isinstance(model, DonutModel):
        return model
    from docai.models import load_model

    loaded = load_model(model, kind="donut", device=device, dtype=dtype, allow_pickle=allow_pickle)
    return DonutModel(name=str(model), model=loaded.model, tokenizer=loaded.tokenizer,
                      image_processor=loaded.image_processor, device=loaded.device, dtype=loaded.dtype,
                      source=str(loaded.source))
