"""The repetition guard on synthetic max-logit sequences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from docai.engines.nougat.guard import (
    GuardSettings,
    RepetitionGuard,
    repetition_cut,
    short_window_variances,
    suffix_variances,
)


def _noisy(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(20.0, 3.0, n).astype(np.float32)


def _collapse(prefix: int, total: int, seed: int = 0) -> np.ndarray:
    """Varied max logits, then a loop: the model becomes certain and the max logit flat."""
    values = _noisy(total, seed)
    values[prefix:] = 30.0 + 0.001 * np.sin(np.arange(total - prefix))
    return values


def _run(guard: RepetitionGuard, rows: np.ndarray) -> list[int | None]:
    """Feed a (rows, steps) array; the step at which each row was first reported collapsed."""
    first: list[int | None] = [None] * rows.shape[0]
    for step in range(rows.shape[1]):
        stopped = guard.step(torch.from_numpy(rows[:, step]))
        for r in np.flatnonzero(stopped):
            first[r] = step if first[r] is None else first[r]
    return first


def test_online_guard_stops_a_collapsed_row_only():
    rows = np.stack([_noisy(700, 1), _collapse(100, 700, 2)])
    first = _run(RepetitionGuard(2), rows)
    assert first[0] is None
    # flat from 100: short-window variance is 0 from ~115, and the 200-step window of those is flat
    # from ~315; the second low step stops the page
    assert first[1] is not None and 300 <= first[1] <= 330


def test_online_guard_waits_for_its_window():
    rows = np.full((1, 199), 5.0, dtype=np.float32)
    assert _run(RepetitionGuard(1), rows) == [None]


def test_select_keeps_row_state():
    rows = np.stack([_noisy(400, 3), _collapse(50, 400, 4)])
    guard = RepetitionGuard(2, GuardSettings())
    for step in range(200):
        guard.step(torch.from_numpy(rows[:, step]))
    guard.select([1])
    stopped_at = None
    for step in range(200, 400):
        if guard.step(torch.from_numpy(rows[1:, step]))[0]:
            stopped_at = step
            break
    alone = _run(RepetitionGuard(1), rows[1:])[0]
    assert stopped_at == alone


def test_cut_finds_the_start_of_the_loop():
    values = _collapse(300, 900)
    cut = repetition_cut(values)
    # small suffix variance from ~ the loop start: cut = start * 1.08 + 120
    assert cut is not None and 300 * 1.08 + 120 - 30 <= cut <= 300 * 1.08 + 120 + 30


def test_cut_ignores_pages_that_ended_or_never_repeat():
    assert repetition_cut(_collapse(300, 900), ended=True) is None
    assert repetition_cut(_noisy(900)) is None
    assert repetition_cut(_noisy(20)) is None  # too short to judge


def test_cut_zero_when_collapsed_from_the_start():
    assert repetition_cut(np.full(600, 12.0, dtype=np.float32)) == 0


def test_cut_keeps_a_page_whose_only_the_last_bit_repeats():
    assert repetition_cut(_collapse(880, 900)) is None


def test_pad_steps_are_left_out():
    values = _collapse(300, 900)
    tokens = np.full(900, 7)
    tokens[::2] = 1  # every other step "pad": fewer, still collapsed values
    assert repetition_cut(values, tokens, pad_token_id=1) != repetition_cut(values)


def test_vectorised_variances_match_their_definition():
    values = _noisy(120, 5)
    var = short_window_variances(values)
    assert var == pytest.approx([np.var(values[i:i + 15]) / 15 for i in range(len(values) - 15)], rel=1e-5)
    tail = suffix_variances(var)
    assert tail == pytest.approx([np.var(var[k + 1:]) for k in range(len(var) - 10)], rel=1e-6, abs=1e-12)
