"""The post-hoc repetition cut of the original Nougat (the online guard is :mod:`docai.models.guard`).

:func:`repetition_cut` is the cut of the original ``NougatModel.inference``: where, in a page that did
not end by itself, the repeated tail starts (``None``: no repetition; ``0``: the whole page is a
collapse; ``n``: keep the first ``n - 1`` generated tokens).
"""

from __future__ import annotations

import numpy as np

from docai.models.guard import SHORT_WINDOW, WINDOW, GuardSettings, RepetitionGuard

CUT_THRESHOLD = 0.045
CUT_MIN_LEN = 120

__all__ = ["WINDOW", "GuardSettings", "RepetitionGuard", "repetition_cut", "short_window_variances",
           "suffix_variances"]


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
