"""Classifier-free guidance as a stepper of :func:`docai.models.decode.decode`.

:class:`GuidedStepper` runs two steppers side by side — the prompt's and the negative (or empty) prompt's,
each with its own cache — feeds both the same chosen token and returns the guided scores
``u + s·(c − u)`` of their log-softmaxed logits, as transformers' ``guidance_scale`` does. Rows leave both
batches together. The image generators (Emu3, LaVIT) decode their visual tokens through it.
"""

from __future__ import annotations

from typing import Any

import torch


class GuidedStepper:
    """Two steppers (conditional, unconditional) mixed with guidance ``scale`` (1: the conditional alone)."""

    def __init__(self, conditional: Any, unconditional: Any, scale: float) -> None:
        self.conditional, self.unconditional, self.scale = conditional, unconditional, float(scale)

    @property
    def device(self) -> torch.device:
        return self.conditional.device

    def room(self) -> int | None:
        rooms = [r for r in (self.conditional.room(), self.unconditional.room()) if r is not None]
        return min(rooms) if rooms else None

    def start(self, conditional: dict[str, Any], unconditional: dict[str, Any]) -> torch.Tensor:
        """Run both prompts (each a ``start`` keyword dict of its stepper); the first guided scores."""
        return self._mix(self.conditional.start(**conditional), self.unconditional.start(**unconditional))

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        return self._mix(self.conditional.step(tokens), self.unconditional.step(tokens))

    def select(self, rows: torch.Tensor) -> None:
        self.conditional.select(rows)
        self.unconditional.select(rows)

    def _mix(self, conditional: torch.Tensor, unconditional: torch.Tensor) -> torch.Tensor:
        cond = torch.log_softmax(conditional.float(), dim=-1)
        if self.scale == 1.0:
            return cond
        uncond = torch.log_softmax(unconditional.float(), dim=-1)
        return uncond + self.scale * (cond - uncond)
