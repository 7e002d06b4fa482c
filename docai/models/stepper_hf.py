"""Steppers of :func:`docai.models.decode.decode` for transformers models that keep their own cache.

* :class:`CausalStepper` — decoder-only language models (LLaMA, Qwen2, OPT …) and the VLMs built on them
  (LLaVA takes ``pixel_values`` with the prompt): prompts of different lengths are *left*-padded,
  positions counted from each row's first real token (as ``generate`` does), the prompt given as
  token ids or as ``inputs_embeds`` (images spliced in), the full-vocabulary head run for the last
  position only.
* :class:`Seq2SeqStepper` — encoder-decoder language models (T5, as in BLIP-2 Flan-T5): the encoder runs
  once, the decoder steps from its start token.

Rows leave the batch through the cache's ``batch_select_indices``. transformers 5 names the cache
argument ``cache`` (older releases: ``past_key_values``); both are handled.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from docai.errors import ModelError


def _cache_argument(model) -> str:
    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _returned_cache(out):
    cache = getattr(out, "cache", None)
    return cache if cache is not None else getattr(out, "past_key_values", None)


def left_pad(rows: list[list[int]], pad_token_id: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(input_ids, attention_mask)`` of token rows left-padded to the longest."""
    width = max((len(r) for r in rows), default=0)
    ids = torch.full((len(rows), width), pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        if row:
            ids[i, width - len(row):] = torch.tensor(row, dtype=torch.long)
            mask[i, width - len(row):] = 1
    return ids.to(device), mask.to(device)


class CausalStepper:
    """Decoder-only model + its KV cache over a left-padded batch."""

    def __init__(self, model, max_positions: int | None = None) -> None:
        self.model = model
        self.cache_arg = _cache_argument(model)
        params = inspect.signature(model.forward).parameters
        self.keep_last = "logits_to_keep" in params
        self.with_positions = "position_ids" in params
        config = getattr(model.config, "text_config", None) or model.config
        self.max_positions = max_positions or getattr(config, "max_position_embeddings", None)
        self.cache = None
        self.mask: torch.Tensor | None = None
        self.positions: torch.Tensor | None = None

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def room(self) -> int | None:
        if self.max_positions is None or self.mask is None:
            return None
        return int(self.max_positions - self.mask.shape[1])

    @torch.inference_mode()
    def start(self, *, attention_mask: torch.Tensor, input_ids: torch.Tensor | None = None,
              inputs_embeds: torch.Tensor | None = None, **extra: Any) -> torch.Tensor:
        """Run the left-padded prompt (ids or embeddings; ``extra`` e.g. ``pixel_values``); the next logits."""
        if (input_ids is None) == (inputs_embeds is None):
            raise ModelError("a prompt is either input_ids or inputs_embeds")
        mask = attention_mask.to(self.device).long()
        if bool((mask[:, -1] == 0).any()):
            raise ModelError("prompts must be left-padded (a row ends with padding)")
        positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
        kwargs = dict(extra, attention_mask=mask, use_cache=True)
        kwargs["input_ids" if input_ids is not None else "inputs_embeds"] = (
            input_ids if input_ids is not None else inputs_embeds).to(self.device)
        if self.with_positions:
            kwargs["position_ids"] = positions
        if self.keep_last:
            kwargs["logits_to_keep"] = 1
        out = self.model(**kwargs)
        self.cache, self.mask, self.positions = _returned_cache(out), mask, positions[:, -1]
        return out.logits[:, -1]

    @torch.inference_mode()
    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        self.mask = torch.cat([self.mask, self.mask.new_ones((self.mask.shape[0], 1))], dim=1)
        self.positions = self.positions + 1
        kwargs = {"input_ids": tokens.view(-1, 1).to(self.device), "attention_mask": self.mask, "use_cache": True,
                  self.cache_arg: self.cache}
        if self.with_positions:
            kwargs["position_ids"] = self.positions.view(-1, 1)
        if self.keep_last:
            kwargs["logits_to_keep"] = 1
        out = self.model(**kwargs)
        self.cache = _returned_cache(out)
        return out.logits[:, -1]

    def select(self, rows: torch.Tensor) -> None:
        rows = rows.to(self.device)
        self.cache.batch_select_indices(rows)
        self.mask = self.mask.index_select(0, rows)
        self.positions = self.positions.index_select(0, rows)


class Seq2SeqStepper:
    """Encoder-decoder language model: the encoder once, then decoder steps with its cache."""

    def __init__(self, model) -> None:
        self.model = model
        self.cache_arg = _cache_argument(model)
        self.encoder_outputs = None
        self.mask: torch.Tensor | None = None
        self.cache = None
        self.length = 0
        config = getattr(model.config, "text_config", None) or model.config
        self.max_positions = getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def room(self) -> int | None:
        return None if self.max_positions is None else int(self.max_positions - self.length)

    @torch.inference_mode()
    def start(self, *, attention_mask: torch.Tensor, decoder_input_ids: torch.Tensor,
              input_ids: torch.Tensor | None = None, inputs_embeds: torch.Tensor | None = None) -> torch.Tensor:
        """Encode the prompt (ids or embeddings, any padding side), feed ``decoder_input_ids``; the next logits."""
        self.mask = attention_mask.to(self.device)
        encoder = self.model.get_encoder()
        self.encoder_outputs = encoder(input_ids=None if input_ids is None else input_ids.to(self.device),
                                       inputs_embeds=inputs_embeds, attention_mask=self.mask)
        out = self.model(encoder_outputs=self.encoder_outputs, attention_mask=self.mask,
                         decoder_input_ids=decoder_input_ids.to(self.device), use_cache=True)
        self.cache, self.length = _returned_cache(out), decoder_input_ids.shape[1]
        return out.logits[:, -1]

    @torch.inference_mode()
    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        out = self.model(encoder_outputs=self.encoder_outputs, attention_mask=self.mask,
                         decoder_input_ids=tokens.view(-1, 1).to(self.device), use_cache=True,
                         **{self.cache_arg: self.cache})
        self.cache = _returned_cache(out)
        self.length += 1
        return out.logits[:, -1]

    def select(self, rows: torch.Tensor) -> None:
        rows = rows.to(self.device)
        self.cache.batch_select_indices(rows)
        self.mask = self.mask.index_select(0, rows)
        self.encoder_outputs.last_hidden_state = self.encoder_outputs.last_hidden_state.index_select(0, rows)
