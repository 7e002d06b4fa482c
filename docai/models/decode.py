"""The one decode loop of docai: every generating model (Nougat, Donut, the plugins' VLMs) decodes here.

A *stepper* owns the model and its key/value cache (:mod:`docai.models.stepper_mbart` for mBART
decoders, :mod:`docai.models.stepper_hf` for transformers decoder-only and encoder-decoder models):
its ``start(...)`` runs the prompt and returns the logits of the first new token of every row,
``step(tokens)`` feeds one token per live row and returns the next logits, ``select(rows)`` keeps only
the rows still decoding. :func:`decode` drives it: per step the logits rules of ``generate`` (see
:mod:`docai.models.logits`), greedy or seeded sampling, then per row the stopping rules — an end token,
the length limit, a stop string, the repetition guard. A finished row leaves the batch at once, so the
batch shrinks as rows end and no row's output depends on the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from docai.errors import ConfigError
from docai.models.guard import GuardSettings, RepetitionGuard
from docai.models.logits import LogitsRules, Sampling

if TYPE_CHECKING:
    import torch

Finish = Literal["eos", "length", "guard", "stop"]

__all__ = ["DecodeSettings", "Finish", "Generation", "Sampling", "Stepper", "decode", "cut_at_stop"]


class Stepper(Protocol):
    """What :func:`decode` needs of a model: steps over a batch with a cache, rows that can leave."""

    @property
    def device(self) -> torch.device: ...

    def room(self) -> int | None:
        """How many more tokens the model's positions allow (None: no limit)."""

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        """Feed one token per live row; return the next logits ``(rows, vocab)``."""

    def select(self, rows: torch.Tensor) -> None:
        """Keep only ``rows`` of the batch, in that order."""


@dataclass(frozen=True)
class DecodeSettings:
    """How to decode: lengths, special tokens, logits rules, sampling and stopping rules.

    ``max_length`` counts the prompt (as ``generate``'s), ``max_new_tokens`` does not; the tighter
    applies. ``eos_token_ids`` end a row (the end token is not part of :attr:`Generation.tokens`);
    ``bad_token_ids`` are never generated; ``forced_eos_token_id`` is forced on the last allowed step.
    ``sampling`` None is greedy. ``stop_strings`` end a row once its decoded text contains one (needs
    the ``text`` callable of :func:`decode`). ``guard`` is Nougat's repetition guard (None: off).
    """

    max_new_tokens: int | None = None
    max_length: int | None = None
    eos_token_ids: tuple[int, ...] = ()
    pad_token_id: int | None = None
    bad_token_ids: tuple[int, ...] = ()
    forced_eos_token_id: int | None = None
    min_new_tokens: int = 0
    repetition_penalty: float = 1.0
    sampling: Sampling | None = None
    stop_strings: tuple[str, ...] = ()
    guard: GuardSettings | None = None

    def __post_init__(self) -> None:
        if self.max_new_tokens is None and self.max_length is None:
            raise ConfigError("decoding needs a limit: max_new_tokens or max_length")
        if self.repetition_penalty <= 0:
            raise ConfigError(f"repetition_penalty must be > 0 (got {self.repetition_penalty})")

    def new_tokens(self, prompt_length: int, room: int | None) -> int:
        """How many tokens a row whose prompt has ``prompt_length`` tokens may generate."""
        limits = [n for n in (self.max_new_tokens,
                              None if self.max_length is None else self.max_length - prompt_length, room)
                  if n is not None]
        return max(0, min(limits))

    @classmethod
    def from_request(cls, generation, **fixed) -> DecodeSettings:
        """Settings from a request's generation options (``schemas.plugins.GenerationOptions``: max_new_tokens,
        temperature — 0 is greedy —, top_p, seed, stop) plus what the checkpoint fixes (``eos_token_ids`` …)."""
        sampling = None
        if generation.temperature and generation.temperature > 0:
            sampling = Sampling(temperature=generation.temperature, top_p=generation.top_p, seed=generation.seed or 0)
        return cls(max_new_tokens=generation.max_new_tokens, sampling=sampling,
                   stop_strings=tuple(generation.stop or ()), **fixed)

    @classmethod
    def from_generation_config(cls, gen, **overrides) -> DecodeSettings:
        """Special tokens and limits from a transformers ``GenerationConfig`` (``overrides`` win)."""
        eos = getattr(gen, "eos_token_id", None)
        eos = () if eos is None else tuple(int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos]))
        values = dict(eos_token_ids=eos, pad_token_id=getattr(gen, "pad_token_id", None),
                      forced_eos_token_id=getattr(gen, "forced_eos_token_id", None))
        if "max_new_tokens" not in overrides and "max_length" not in overrides:
            if getattr(gen, "max_new_tokens", None):
                values["max_new_tokens"] = int(gen.max_new_tokens)
            else:
                values["max_length"] = int(getattr(gen, "max_length", None) or 20)
        values.update(overrides)
        return cls(**values)


@dataclass
class Generation:
    """One row's output: the generated ``tokens`` (no end token), and per step (the end token's step
    included) the max processed logit and the log-probability of the chosen token."""

    tokens: list[int] = field(default_factory=list)
    max_logits: list[float] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    finish: Finish = "length"

    @property
    def ended(self) -> bool:
        """True when the row ended with an end token before the length limit."""
        return self.finish == "eos"


def decode(stepper: Stepper, first_logits: torch.Tensor, settings: DecodeSettings, *, prompt_length: int = 0,
           prompt_ids: Sequence[Sequence[int]] | None = None,
           text: Callable[[list[int]], str] | None = None, seeds: Sequence[int] | None = None) -> list[Generation]:
    """Decode every row of a batch whose prompt ran already (``first_logits``: ``(rows, vocab)``).

    ``prompt_length`` is the (padded) prompt length that ``max_length`` counts; ``prompt_ids`` the
    rows' prompt tokens, which the repetition penalty counts as ``generate`` does; ``text`` turns a
    row's tokens into text, for stop strings; ``seeds`` gives each row its own sampling seed (default:
    ``sampling.seed`` for every row, so a row's output never depends on its position in the batch).
    Returns one :class:`Generation` per row, in order.
    """
    import torch

    batch, vocab = first_logits.shape
    results = [Generation() for _ in range(batch)]
    max_new = settings.new_tokens(prompt_length, stepper.room())
    if max_new == 0 or batch == 0:
        return results
    if settings.stop_strings and text is None:
        raise ConfigError("stop strings need the tokenizer's decode (text=...)")
    device = first_logits.device
    rules = LogitsRules(batch, vocab, eos_token_ids=settings.eos_token_ids, bad_token_ids=settings.bad_token_ids,
                        min_new_tokens=settings.min_new_tokens, forced_eos_token_id=settings.forced_eos_token_id,
                        repetition_penalty=settings.repetition_penalty, sampling=settings.sampling,
                        prompt_ids=[list(p) for p in prompt_ids] if prompt_ids is not None else None, device=device,
                        seeds=list(seeds) if seeds is not None else None)
    guard = RepetitionGuard(batch, settings.guard) if settings.guard else None
    stop = _StopStrings(settings.stop_strings, text) if settings.stop_strings else None
    eos = set(settings.eos_token_ids)
    live = list(range(batch))  # result index of each live row
    logits = first_logits
    for step in range(max_new):
        last = step + 1 == max_new
        scores = rules.process(logits, step, last)
        tokens = rules.choose(scores)
        rules.remember(tokens)
        picked = scores.gather(1, tokens.unsqueeze(1)).squeeze(1)
        best = scores.max(dim=-1).values
        logprob = picked - torch.logsumexp(scores, dim=-1)
        best_cpu, tokens_cpu, logprob_cpu = best.cpu().numpy(), tokens.cpu().numpy(), logprob.cpu().numpy()
        collapsed = guard.step(best_cpu) if guard is not None else np.zeros(len(live), dtype=bool)
        keep = []
        for row, index in enumerate(live):
            result, token = results[index], int(tokens_cpu[row])
            result.max_logits.append(float(best_cpu[row]))
            result.logprobs.append(float(logprob_cpu[row]))
            if token in eos:
                # an end token on the very last step (forced there, as some configs ask) is the length limit
                result.finish = "eos" if not last or settings.forced_eos_token_id is None else "length"
                continue
            result.tokens.append(token)
            if collapsed[row]:
                result.finish = "guard"
            elif stop is not None and stop.hit(result.tokens):
                result.finish = "stop"
            elif not last:
                keep.append(row)
        if not keep:
            break
        if len(keep) < len(live):
            rows = torch.tensor(keep, dtype=torch.long)
            stepper.select(rows)
            rules.select(rows)
            tokens = tokens.index_select(0, rows.to(tokens.device))
            if guard is not None:
                guard.select(rows)
            live = [live[r] for r in keep]
        logits = stepper.step(tokens)
    return results


class _StopStrings:
    """Whether a row's decoded tail contains a stop string (checked after every token)."""

    def __init__(self, strings: tuple[str, ...], text: Callable[[list[int]], str]) -> None:
        self.strings = strings
        self.text = text
        self.tail = max(len(s) for s in strings) + 8  # tokens: each decodes to at least one character

    def hit(self, tokens: list[int]) -> bool:
        tail = self.text(tokens[-self.tail:])
        return any(s in tail for s in self.strings)


def cut_at_stop(text: str, stop_strings: Sequence[str]) -> str:
    """``text`` up to the first stop string it contains (all of it when none)."""
    cut = min((i for i in (text.find(s) for s in stop_strings if s) if i >= 0), default=len(text))
    return text[:cut]
