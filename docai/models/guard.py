"""The online repetition guard of the original Nougat, per sequence, for the one decode loop.

A model that loops becomes very sure of itself, so the *max logit* of each generated token stops
varying. :class:`RepetitionGuard` is the original ``StoppingCriteriaScores``: the variance of the max
logit over the last 15 tokens, and the variance of *that* over the last 200 tokens; once this falls
under 0.015 on two consecutive steps the sequence is stopped. The original ends a batch only when every
sequence in it has stopped; here each stops on its own, so a sequence's output does not depend on which
sequences shared its batch (page caches rely on that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the original's constants
SHORT_WINDOW = 15
WINDOW = 200
THRESHOLD = 0.015


@dataclass(frozen=True)
class GuardSettings:
    """Thresholds of the online guard (defaults: the original's)."""

    threshold: float = THRESHOLD
    window: int = WINDOW
    short_window: int = SHORT_WINDOW
    max_stop_index: int = 4095


class RepetitionGuard:
    """Online repetition detector for a batch of pages decoded in lock-step.

    Call :meth:`step` once per generated token with each live row's max logit; it answers which rows
    have collapsed. :meth:`select` keeps only the given rows when finished pages leave the batch.
    """

    def __init__(self, batch_size: int, settings: GuardSettings | None = None) -> None:
        import torch

        self.settings = settings or GuardSettings()
        self._torch = torch
        self.values = torch.empty(batch_size, 0, dtype=torch.float32)  # last max logits
        self.variances = torch.empty(batch_size, 0, dtype=torch.float32)  # last short-window variances
        self.stop_index = torch.zeros(batch_size, dtype=torch.long)
        self.stopped = torch.zeros(batch_size, dtype=torch.bool)
        self.size = 0

    def step(self, max_logits) -> np.ndarray:
        """Push one max logit per live row (a 1-D tensor or array); return a bool array: row collapsed."""
        torch = self._torch
        s = self.settings
        x = torch.as_tensor(max_logits, dtype=torch.float32).reshape(-1, 1).cpu()
        self.values = _push(self.values, x, s.short_window)
        var = _variance(self.values) / self.values.shape[1]
        self.variances = _push(self.variances, var.reshape(-1, 1), s.window)
        self.size += 1
        if self.size < s.window:
            return np.zeros(x.shape[0], dtype=bool)
        low = _variance(self.variances) < s.threshold  # NaN (too few values) compares False
        armed = (self.stop_index > 0) & ~self.stopped
        # low and armed: stopped when the planned stop index has been reached (as the original reads,
        # that is at once: the second consecutive low step); low otherwise: (re)plan a stop index.
        self.stopped = torch.where(low & armed, self.stop_index >= self.size, self.stopped & low)
        plan = int(min(max(self.size, 1) * 1.15 + 150 + s.window, s.max_stop_index))
        self.stop_index = torch.where(low & ~armed, torch.full_like(self.stop_index, plan),
                                      torch.where(low, self.stop_index, torch.zeros_like(self.stop_index)))
        return self.stopped.numpy().copy()

    def select(self, rows) -> None:
        """Keep only ``rows`` (indices into the current batch), in that order."""
        index = self._torch.as_tensor(rows, dtype=self._torch.long)
        self.values = self.values.index_select(0, index)
        self.variances = self.variances.index_select(0, index)
        self.stop_index = self.stop_index.index_select(0, index)
        self.stopped = self.stopped.index_select(0, index)


def _push(window, column, length: int):
    import torch

    if window.shape[1] >= length:
        window = window[:, 1:]
    return torch.cat((window, column), dim=1)


def _variance(window):
    """Unbiased variance along the window (NaN for a single value, as ``torch.var``)."""
    import torch

    if window.shape[1] < 2:
        return torch.full((window.shape[0],), float("nan"))
    return torch.var(window, dim=1)
