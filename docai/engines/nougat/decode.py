"""Batched greedy generation for Nougat: the encoder once per batch, then lock-step decoding.

All pages of a batch start from the same decoder start token, so every live row is at the same
position: no padding, no attention masks, one position id per step. A page leaves the batch as soon
as it emits its end token, reaches the length limit or trips the repetition guard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from docai.engines.nougat.guard import GuardSettings, RepetitionGuard
from docai.engines.nougat.stepper import MBartStepper

Finish = Literal["eos", "length", "guard"]


@dataclass(frozen=True)
class DecodeSettings:
    """What the greedy loop needs to know about the checkpoint, and the knobs of one pass."""

    max_length: int = 4096  # counts the decoder start token, as ``generate``'s max_length
    decoder_start_token_id: int = 0
    eos_token_id: int = 2
    pad_token_id: int = 1
    bad_token_ids: tuple[int, ...] = (3,)  # the unknown token is never generated
    forced_eos_token_id: int | None = None
    min_new_tokens: int = 0
    repetition_penalty: float = 1.0
    guard: GuardSettings | None = field(default_factory=GuardSettings)

    @classmethod
    def from_model(cls, model, tokenizer=None, **overrides) -> DecodeSettings:
        """Read the special tokens and the length limit from a model's generation config and tokenizer."""
        gen = getattr(model, "generation_config", None)
        dec_cfg = getattr(getattr(model, "config", None), "decoder", None)

        def pick(name: str, default):
            for source in (gen, getattr(model, "config", None), dec_cfg):
                value = getattr(source, name, None) if source is not None else None
                if value is not None:
                    return value
            return default

        eos = pick("eos_token_id", 2)
        eos = eos[0] if isinstance(eos, (list, tuple)) else eos
        unk = getattr(tokenizer, "unk_token_id", None) if tokenizer is not None else None
        values = dict(
            max_length=int(pick("max_length", 4096)),
            decoder_start_token_id=int(pick("decoder_start_token_id", pick("bos_token_id", 0))),
            eos_token_id=int(eos),
            pad_token_id=int(pick("pad_token_id", 1)),
            bad_token_ids=(int(unk),) if unk is not None else (),
            forced_eos_token_id=getattr(gen, "forced_eos_token_id", None) if gen is not None else None,
        )
        values.update(overrides)
        return cls(**values)


@dataclass
class Generation:
    """One page's greedy output: generated tokens (no start or end token) and their max logits."""

    tokens: list[int] = field(default_factory=list)
    max_logits: list[float] = field(default_factory=list)
    finish: Finish = "length"

    @property
    def ended(self) -> bool:
        return self.finish == "eos"


def encode(model, pixel_values: torch.Tensor) -> torch.Tensor:
    """The encoder's last hidden state for a batch of pages (in the model's dtype and device)."""
    param = next(model.encoder.parameters())
    with torch.inference_mode():
        out = model.encoder(pixel_values=pixel_values.to(device=param.device, dtype=param.dtype))
    return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]


@torch.inference_mode()
def greedy_decode(stepper: MBartStepper, encoder_hidden: torch.Tensor, settings: DecodeSettings) -> list[Generation]:
    """Greedy-decode every page of the batch; returns one :class:`Generation` per page, in order."""
    batch = encoder_hidden.shape[0]
    max_new = max(0, min(settings.max_length, stepper.positions) - 1)
    results = [Generation() for _ in range(batch)]
    if max_new == 0 or batch == 0:
        return results
    device = stepper.device
    stepper.start(encoder_hidden, capacity=_initial_capacity(max_new, device))
    guard = RepetitionGuard(batch, settings.guard) if settings.guard else None
    live = list(range(batch))  # page index of each live row
    tokens = torch.full((batch,), settings.decoder_start_token_id, dtype=torch.long, device=device)
    history = tokens.view(-1, 1) if settings.repetition_penalty != 1.0 else None
    bad = torch.tensor(settings.bad_token_ids, dtype=torch.long, device=device) if settings.bad_token_ids else None
    for step in range(max_new):
        scores = stepper.step(tokens).float()
        scores = _process(scores, step, max_new, history, bad, settings)
        best, tokens = scores.max(dim=-1)
        if history is not None:
            history = torch.cat([history, tokens.view(-1, 1)], dim=1)
        best_cpu, tokens_cpu = best.cpu().numpy(), tokens.cpu().numpy()
        collapsed = guard.step(best_cpu) if guard is not None else np.zeros(len(live), dtype=bool)
        keep = []
        for row, page in enumerate(live):
            result, token = results[page], int(tokens_cpu[row])
            result.max_logits.append(float(best_cpu[row]))
            if token == settings.eos_token_id:
                # an end token on the very last step (forced there, as nougat-base's config asks) is the
                # length limit, not the page ending by itself
                result.finish = "eos" if step + 1 < max_new else "length"
                continue
            result.tokens.append(token)
            if collapsed[row]:
                result.finish = "guard"
            elif step + 1 < max_new:
                keep.append(row)
        if not keep:
            break
        if len(keep) < len(live):
            rows = torch.tensor(keep, dtype=torch.long)
            stepper.select(rows)
            tokens = tokens.index_select(0, rows.to(device))
            history = history.index_select(0, rows.to(device)) if history is not None else None
            if guard is not None:
                guard.select(rows)
            live = [live[r] for r in keep]
    return results


def _initial_capacity(max_new: int, device: torch.device) -> int:
    """Self-attention cache positions to reserve up front: all of them on an accelerator, a few on CPU."""
    return max_new + 1 if device.type != "cpu" else min(max_new + 1, 256)


def _process(scores: torch.Tensor, step: int, max_new: int, history: torch.Tensor | None,
             bad: torch.Tensor | None, settings: DecodeSettings) -> torch.Tensor:
    """The logits processors of the original ``generate`` call, in its order."""
    if history is not None:
        picked = scores.gather(1, history)
        picked = torch.where(picked < 0, picked * settings.repetition_penalty, picked / settings.repetition_penalty)
        scores = scores.scatter(1, history, picked)
    if bad is not None:
        scores.index_fill_(1, bad, float("-inf"))
    if step < settings.min_new_tokens:
        scores[:, settings.eos_token_id] = float("-inf")
    if settings.forced_eos_token_id is not None and step == max_new - 1:
        scores.fill_(float("-inf"))
        scores[:, settings.forced_eos_token_id] = 0.0
    return scores
