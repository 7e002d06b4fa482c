"""A stepper of docai's one decode loop (:func:`docai.models.decode.decode`) for BLIP's text decoder.

BLIP's ``BlipTextLMHeadModel`` is a BERT decoder that cross-attends to encoder states — the image's (for
captions) or the encoded question's (for VQA). The stepper runs the prompt once, then one token per live
row with transformers' cache (self-attention and cross-attention keys both cached after the first call);
rows that finish leave the batch through the cache's ``batch_select_indices``.

Every row of a batch has the same prompt length: BLIP's text positions are absolute, so docai never pads
a BLIP prompt (a call has one prompt or one question for all its images).
"""

from __future__ import annotations

from typing import Any

import torch


class BlipDecoderStepper:
    """``text_decoder`` stepping over a batch that cross-attends to ``encoder_states`` (one row each)."""

    def __init__(self, text_decoder: Any, encoder_states: torch.Tensor) -> None:
        self.decoder = text_decoder
        self.encoder_states = encoder_states
        self.cache = None
        self.length = 0
        self.max_positions = int(text_decoder.config.max_position_embeddings)

    @property
    def device(self) -> torch.device:
        return self.encoder_states.device

    def room(self) -> int | None:
        return self.max_positions - self.length

    @torch.inference_mode()
    def start(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Run the prompt (``(rows, length)``, unpadded); the logits of the first new token of every row."""
        return self._run(input_ids.to(self.device))

    @torch.inference_mode()
    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        return self._run(tokens.view(-1, 1).to(self.device))

    def select(self, rows: torch.Tensor) -> None:
        rows = rows.to(self.device)
        self.cache.batch_select_indices(rows)
        self.encoder_states = self.encoder_states.index_select(0, rows)

    def _run(self, input_ids: torch.Tensor) -> torch.Tensor:
        out = self.decoder(input_ids=input_ids, encoder_hidden_states=self.encoder_states, cache=self.cache,
                           use_cache=True, is_decoder=True, logits_to_keep=1)
        self.cache = out.cache
        self.length += input_ids.shape[1]
        return out.logits[:, -1].float()
