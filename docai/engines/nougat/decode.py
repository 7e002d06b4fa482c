"""Nougat's use of the one decode loop (:mod:`docai.models.decode`): its settings and its batches.

All pages of a batch start from the decoder start token after the encoder ran once for the batch; a
page leaves the batch as soon as it emits its end token, reaches the length limit or trips the
repetition guard (the original's online stopping criterion).
"""

from __future__ import annotations

import torch

from docai.models.decode import DecodeSettings, Generation, decode
from docai.models.guard import GuardSettings
from docai.models.stepper_mbart import MBartStepper, encode

__all__ = ["DecodeSettings", "Generation", "decode_pages", "encode", "nougat_settings", "start_token"]


def nougat_settings(model, tokenizer=None, **overrides) -> DecodeSettings:
    """The original's decoding: the checkpoint's special tokens and ``max_length`` (counting the decoder
    start token), the unknown token banned, the repetition guard on (``guard=None``: off)."""
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
    unk = getattr(tokenizer, "unk_token_id", None) if tokenizer is not None else 3
    values = dict(
        max_length=int(pick("max_length", 4096)),
        eos_token_ids=(int(eos),),
        pad_token_id=int(pick("pad_token_id", 1)),
        bad_token_ids=(int(unk),) if unk is not None else (),
        forced_eos_token_id=getattr(gen, "forced_eos_token_id", None) if gen is not None else None,
        guard=GuardSettings(),
    )
    values.update(overrides)
    return DecodeSettings(**values)


def start_token(model) -> int:
    """The decoder start token of a VisionEncoderDecoder checkpoint."""
    for source in (getattr(model, "generation_config", None), model.config, getattr(model.config, "decoder", None)):
        for name in ("decoder_start_token_id", "bos_token_id"):
            value = getattr(source, name, None) if source is not None else None
            if value is not None:
                return int(value)
    return 0


@torch.inference_mode()
def decode_pages(stepper: MBartStepper, encoder_hidden: torch.Tensor, settings: DecodeSettings,
                 start: int = 0) -> list[Generation]:
    """Decode every page of a batch from its encoder output; one :class:`Generation` per page, in order."""
    if encoder_hidden.shape[0] == 0:
        return []
    prefix = torch.full((encoder_hidden.shape[0], 1), start, dtype=torch.long, device=stepper.device)
    logits = stepper.start(encoder_hidden, prefix)
    return decode(stepper, logits, settings, prompt_length=1, prompt_ids=prefix.tolist())
