"""Turning one step's logits into the next token of every row: the processors of ``generate``, in its order.

:class:`Sampling` holds the knobs of seeded sampling; :class:`LogitsRules` applies, per step, the
repetition penalty, banned tokens, the minimum length, the forced end token, then (sampling only)
temperature, top-k and top-p, and picks a token per row — the argmax, or a draw from that row's own
seeded generator (by default the sampling's seed, whatever the row's position), so a row's draw does not
depend on how many rows share its batch or where it sits in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from docai.errors import ConfigError

if TYPE_CHECKING:
    import torch

NEG_INF = float("-inf")


@dataclass(frozen=True)
class Sampling:
    """Seeded multinomial sampling: ``temperature`` > 0, ``top_k`` (0: off), ``top_p`` in (0, 1]."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ConfigError(f"temperature must be > 0 (got {self.temperature}); use greedy decoding instead of 0")
        if self.top_k < 0:
            raise ConfigError(f"top_k must be >= 0 (got {self.top_k})")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"top_p must be in (0, 1] (got {self.top_p})")


class LogitsRules:
    """The per-step logits processing and token choice for one batch (rows can leave with :meth:`select`)."""

    def __init__(self, batch: int, vocab: int, *, eos_token_ids: tuple[int, ...], bad_token_ids: tuple[int, ...],
                 min_new_tokens: int, forced_eos_token_id: int | None, repetition_penalty: float,
                 sampling: Sampling | None, prompt_ids: list[list[int]] | None, device,
                 seeds: list[int] | None = None) -> None:
        import torch

        self.eos = torch.tensor(eos_token_ids, dtype=torch.long, device=device) if eos_token_ids else None
        self.bad = torch.tensor(bad_token_ids, dtype=torch.long, device=device) if bad_token_ids else None
        self.min_new_tokens = min_new_tokens
        self.forced_eos = forced_eos_token_id
        self.penalty = repetition_penalty
        self.sampling = sampling
        self.seen = None
        if repetition_penalty != 1.0:
            self.seen = torch.zeros(batch, vocab, dtype=torch.bool, device=device)
            for row, ids in enumerate(prompt_ids or []):
                if ids:
                    self.seen[row, torch.tensor(ids, dtype=torch.long, device=device)] = True
        self.generators = None
        if sampling is not None:
            if seeds is not None and len(seeds) != batch:
                raise ConfigError(f"{len(seeds)} seeds for {batch} rows")
            # a row's seed never depends on where it sits in the batch: the same request and seed give the
            # same output alone or batched with others (give ``seeds`` for rows of different requests)
            row_seeds = seeds if seeds is not None else [sampling.seed] * batch
            self.generators = [torch.Generator(device="cpu").manual_seed(int(s)) for s in row_seeds]

    def process(self, scores: torch.Tensor, step: int, last_step: bool) -> torch.Tensor:
        """The processed float32 scores of one step (``scores``: ``(rows, vocab)``)."""
        import torch

        scores = scores.float()
        if self.seen is not None:
            penalised = torch.where(scores < 0, scores * self.penalty, scores / self.penalty)
            scores = torch.where(self.seen[:, :scores.shape[1]], penalised, scores)
        if self.bad is not None:
            scores.index_fill_(1, self.bad, NEG_INF)
        if step < self.min_new_tokens and self.eos is not None:
            scores.index_fill_(1, self.eos, NEG_INF)
        if self.forced_eos is not None and last_step:
            scores.fill_(NEG_INF)
            scores[:, self.forced_eos] = 0.0
        return scores

    def choose(self, scores: torch.Tensor) -> torch.Tensor:
        """One token per row from processed scores: the argmax, or a seeded draw."""
        if self.sampling is None:
            return scores.argmax(dim=-1)
        return self._draw(warp(scores, self.sampling))

    def _draw(self, scores: torch.Tensor) -> torch.Tensor:
        import torch

        probs = torch.softmax(scores, dim=-1)
        uniform = torch.cat([torch.rand(1, generator=g) for g in self.generators]).to(probs.device)
        cumulative = probs.cumsum(dim=-1)
        picked = torch.searchsorted(cumulative, (uniform * cumulative[:, -1]).unsqueeze(1)).squeeze(1)
        picked = picked.clamp(max=scores.shape[1] - 1)
        # a zero-probability token can only be hit by rounding at the edge: step back to a kept one
        bad = probs.gather(1, picked.unsqueeze(1)).squeeze(1) == 0
        if bool(bad.any()):
            picked = torch.where(bad, probs.argmax(dim=-1), picked)
        return picked

    def remember(self, tokens: torch.Tensor) -> None:
        """Record the chosen tokens (for the repetition penalty)."""
        if self.seen is not None:
            self.seen[torch_arange(tokens), tokens] = True

    def select(self, rows: torch.Tensor) -> None:
        """Keep only ``rows`` (finished rows leave the batch)."""
        if self.seen is not None:
            self.seen = self.seen.index_select(0, rows.to(self.seen.device))
        if self.generators is not None:
            self.generators = [self.generators[r] for r in rows.tolist()]


def warp(scores: torch.Tensor, sampling: Sampling) -> torch.Tensor:
    """Temperature, then top-k, then top-p, as ``generate``'s warpers (at least one token survives)."""
    import torch

    if sampling.temperature != 1.0:
        scores = scores / sampling.temperature
    if sampling.top_k and sampling.top_k < scores.shape[-1]:
        kth = torch.topk(scores, sampling.top_k, dim=-1).values[:, -1:]
        scores = scores.masked_fill(scores < kth, NEG_INF)
    if sampling.top_p < 1.0:
        ordered, index = torch.sort(scores, descending=False)
        cumulative = ordered.softmax(dim=-1).cumsum(dim=-1)
        drop = cumulative <= (1 - sampling.top_p)
        drop[:, -1] = False
        scores = scores.masked_fill(drop.scatter(1, index, drop), NEG_INF)
    return scores


def torch_arange(tokens: torch.Tensor) -> torch.Tensor:
    import torch

    return torch.arange(tokens.shape[0], device=tokens.device)
