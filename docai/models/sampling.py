"""Sampling with one random stream per batch row, so a row's tokens do not depend on its batch-mates.

transformers' ``do_sample=True`` draws every row from the process-wide generator, so the same prompt with
the same seed gives another image when it is batched with others. :class:`SeededSampler` is a logits
processor that draws the next token of row ``i`` from its own ``torch.Generator`` (seeded with
``seeds[i]``) after temperature and top-k/top-p, and leaves only that token possible; run ``generate``
greedily (``do_sample=False``) with it last in the processor list. The image generators of the LaVIT and
Emu3 plugins use it: same seed, same image, alone or in a batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


class SeededSampler:
    """A transformers ``LogitsProcessor`` that samples row ``i`` with ``seeds[i]`` (see the module doc)."""

    def __init__(self, seeds: Sequence[int], *, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0) -> None:
        if temperature <= 0:
            raise ValueError("temperature must be > 0 for sampling")
        self.generators = [torch.Generator(device="cpu").manual_seed(int(seed)) for seed in seeds]
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if scores.shape[0] != len(self.generators):
            raise ValueError(f"{scores.shape[0]} rows to sample but {len(self.generators)} seeds")
        logits = scores.float() / self.temperature
        if self.top_k and self.top_k < logits.shape[-1]:
            kth = torch.topk(logits, self.top_k, dim=-1).values[:, -1:]
            logits = logits.masked_fill(logits < kth, float("-inf"))
        if self.top_p < 1.0:
            logits = _top_p(logits, self.top_p)
        probs = torch.softmax(logits, dim=-1).cpu()
        chosen = [int(torch.multinomial(probs[i], 1, generator=g)) for i, g in enumerate(self.generators)]
        out = torch.full_like(scores, float("-inf"))
        out[torch.arange(len(chosen), device=scores.device), torch.tensor(chosen, device=scores.device)] = 0.0
        return out


def _top_p(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
    cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
    drop = cumulative - torch.softmax(sorted_logits, dim=-1) > top_p  # keep the token that crosses top_p
    sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
    return torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)
