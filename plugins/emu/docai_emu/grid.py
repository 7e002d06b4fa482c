"""The shape of an Emu3 image in tokens, enforced while the LM samples it.

After the prompt's ``<|image start|>H*W<|image token|>``, an image is ``H`` rows of ``W`` visual tokens, each
row closed by the end-of-line token, then end-of-frame, end-of-image and end-of-sequence: exactly
``H·(W+1)+3`` tokens, the segment ``decode_image_tokens`` takes. :class:`GridStepper` allows, at
each step, only the token(s) that shape permits (the logits-processor form of the ``prefix_allowed_tokens_fn``
in transformers' Emu3 docs, as a stepper of docai's one decode loop), so every generated segment decodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class GridTokens:
    """The ids that frame an Emu3 image."""

    visual: tuple[int, ...]
    eol: int
    eof: int
    eoi: int
    eos: int
    pad: int


def segment_length(height: int, width: int) -> int:
    """Tokens of one generated image: rows of ``width`` + end-of-line, then end-of-frame, -image, -sequence."""
    return height * (width + 1) + 3


class GridStepper:
    """Wraps a stepper of :func:`docai.models.decode.decode`: each step's scores allow only the tokens the
    ``height`` × ``width`` grid permits at that position (every row of the batch is at the same one)."""

    def __init__(self, inner: Any, height: int, width: int, tokens: GridTokens) -> None:
        self.inner, self.height, self.width, self.tokens = inner, height, width, tokens
        self.generated = 0
        self._visual: torch.Tensor | None = None

    @property
    def device(self) -> torch.device:
        return self.inner.device

    def room(self) -> int | None:
        return self.inner.room()

    def select(self, rows: torch.Tensor) -> None:
        self.inner.select(rows)

    def start(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        self.generated = 1
        return self.mask(self.inner.start(*args, **kwargs))

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        self.generated += 1
        return self.mask(self.inner.step(tokens))

    def allowed(self, step: int) -> Sequence[int] | None:
        """The ids allowed as generated token number ``step`` (1-based); None means every visual token."""
        rows_end = (self.width + 1) * self.height
        if step > rows_end + 3:
            return (self.tokens.pad,)
        if step > rows_end:
            return ((self.tokens.eof, self.tokens.eoi, self.tokens.eos)[step - rows_end - 1],)
        if step % (self.width + 1) == 0:
            return (self.tokens.eol,)
        return None

    def mask(self, scores: torch.Tensor) -> torch.Tensor:
        allowed = self.allowed(self.generated)
        if allowed is None:
            if self._visual is None or self._visual.device != scores.device:
                self._visual = torch.tensor(self.tokens.visual, dtype=torch.long, device=scores.device)
            keep = self._visual
        else:
            keep = torch.tensor(allowed, dtype=torch.long, device=scores.device)
        masked = torch.full_like(scores, float("-inf"))
        masked[:, keep] = scores[:, keep]
        return masked
