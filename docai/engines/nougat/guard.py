"""The repetition guard of the original Nougat, per page.

Two parts, both reading the *max logit* of every generated token (a model that loops becomes very
sure of itself, so the max logit stops varying):

* :class:`RepetitionGuard` — the online stopping criterion (the original ``StoppingCriteriaScores``):
  the variance of the max logit over the last 15 tokens, and the variance of *that* over the last 200
  tokens; once this falls under 0.015 on two consecutive steps the page is stopped. The original
  ends a batch only when every page in it has stopped; here each page stops on its own, so a page's
  output does not depend on which pages shared its batch (the cache relies on that).
* :func:`repetition_cut` — the post-hoc cut of the original ``NougatModel.inference``: where, in a page
  that did not end by itself, the repeated tail starts (``None``: no repetition; ``0``: the whole page
  is a collapse; ``n``: keep the first ``n - 1`` generated tokens).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the original's constants
SHORT_WINDOW = 15
WINDOW = 200
THRESHOLD = 0.015
CUT_THRESHOLD = 0.045
CUT_MIN_LEN = 120


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


def repetition_cut(max_logits: np.ndarray, tokens: np.ndarray | None = None, *, ended: bool = False,
                   pad_token_id: int | None = None, max_index: int = 4095) -> int | None:
    """Where the repeated tail of one page starts, from its per-token max logits (the original's post-hoc cut).

    ``ended``: the page ended with its end-of-sequence token before the length limit — then nothing is
    cut. Steps whose greedy token was the pad token are left out, as in the original. Returns ``None``
    (no repetition), ``0`` (the page collapsed from its start: treat it as empty) or the index ``n`` in
    the token sequence that starts with the decoder start token (keep ``tokens[: n - 1]``).
    """
    values = np.asarray(max_logits, dtype=np.float32)
    if tokens is not None and pad_token_id is not None:
        values = values[np.asarray(tokens) != pad_token_id]
    n = len(values)
    if ended:
        return None
    var = short_window_variances(values)
    if len(var) < 10:
        return None
    tail_var = suffix_variances(var)
    small = np.flatnonzero(tail_var < CUT_THRESHOLD)
    if len(small) <= 1 or not np.all(np.diff(small) < 2):
        return None
    index = int(min(max(small[0], 1) * 1.08 + CUT_MIN_LEN, max_index))
    if index / n > 0.9:  # only the very end repeats: keep it all
        return None
    return 0 if small[0] < 30 else index


def short_window_variances(values: np.ndarray, width: int = SHORT_WINDOW) -> np.ndarray:
    """``var(values[i:i+width]) / width`` for every full window but the last (the original's ``batch``)."""
    count = len(values) - width
    if count <= 0:
        return np.zeros(0, dtype=np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(values, width)[:count]
    return windows.var(axis=1) / width


def suffix_variances(var: np.ndarray, min_len: int = 10) -> np.ndarray:
    """``var(var[k+1:])`` for ``k = 0 .. len-min_len-1`` (the original's reversed ``subdiv``), in O(n)."""
    n = len(var)
    if n <= min_len:
        return np.zeros(0, dtype=np.float64)
    rev = np.asarray(var, dtype=np.float64)[::-1]
    lengths = np.arange(min_len, n, dtype=np.float64)  # prefixes of the reversed array: r[:10] .. r[:n-1]
    s1 = np.cumsum(rev)[min_len - 1:n - 1]
    s2 = np.cumsum(rev * rev)[min_len - 1:n - 1]
    prefix_var = np.maximum(s2 / lengths - (s1 / lengths) ** 2, 0.0)
    return prefix_var[::-1]
