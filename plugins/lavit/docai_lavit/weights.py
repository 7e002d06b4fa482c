"""Loading the parts of a converted LaVIT checkpoint directory (safetensors only, official key names).

Layout (what ``docai dev convert-checkpoint lavit`` writes; the released layout with ``.bin`` → ``.safetensors``)::

    lavit_config.json
    language_model/            LlamaForCausalLM + tokenizer; visual_weight.safetensors (merger for understanding)
    visual_tokenizer/          eva_vitg_psz14, tokenizer_encoder, highres_tokenizer_decoder (.safetensors)
    highres_pixel_decoding/    diffusers unet/, vae/, scheduler/

As in the official code, understanding loads ``tokenizer_encoder`` and then ``visual_weight`` over it (the
merger and ``vit_proj`` trained with the LLM); image tokenizing for generation uses ``tokenizer_encoder``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch

from docai.errors import ModelError
from docai_lavit.config import LavitConfig
from docai_lavit.decoder import HighresVQDecoder
from docai_lavit.tokenizer import DynamicVisualTokenizer

log = logging.getLogger(__name__)

EVA_FILE = "visual_tokenizer/eva_vitg_psz14.safetensors"
ENCODER_FILE = "visual_tokenizer/tokenizer_encoder.safetensors"
DECODER_FILE = "visual_tokenizer/highres_tokenizer_decoder.safetensors"
VISUAL_WEIGHT_FILE = "language_model/visual_weight.safetensors"
LANGUAGE_MODEL_DIR = "language_model"
PIXEL_DECODING_DIR = "highres_pixel_decoding"


@dataclass
class LoadReport:
    """Keys a part expected but the files lacked, and keys the files held that no part uses."""

    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


def read_state(directory: Path, name: str, *, required: bool = True) -> dict[str, torch.Tensor] | None:
    """The tensors of ``directory/name`` (a safetensors file), or None when optional and absent."""
    from safetensors.torch import load_file

    path = directory / name
    if not path.is_file():
        if required:
            raise ModelError(f"LaVIT checkpoint {directory} has no {name}")
        return None
    try:
        return load_file(path)
    except Exception as exc:  # noqa: BLE001 - a damaged file is one line
        raise ModelError(f"{path} is not a readable safetensors file: {exc}") from None


def build_tokenizer(directory: Path, config: LavitConfig, *, for_understanding: bool,
                    report: LoadReport | None = None) -> DynamicVisualTokenizer:
    """The visual tokenizer with its released weights (``visual_weight`` over them for understanding)."""
    tokenizer = DynamicVisualTokenizer(config)
    state = {f"encoder.{k}": v for k, v in read_state(directory, EVA_FILE).items()}
    state.update(read_state(directory, ENCODER_FILE))
    if for_understanding:
        state.update(read_state(directory, VISUAL_WEIGHT_FILE, required=False) or {})
    optional = set() if for_understanding else {k for k in tokenizer.state_dict() if k.startswith("vit_proj.")}
    _load(tokenizer, state, "visual tokenizer", optional=optional, report=report)
    return tokenizer


def build_decoder(directory: Path, config: LavitConfig, *, report: LoadReport | None = None) -> HighresVQDecoder:
    """The high-resolution pixel decoder's conditioning network with its released weights."""
    decoder = HighresVQDecoder(config)
    _load(decoder, read_state(directory, DECODER_FILE), "highres tokenizer decoder", report=report)
    return decoder


def read_codebook(directory: Path) -> torch.Tensor:
    """Only the codebook (``quantize.embedding.weight``), as text-to-image generation needs no tokenizer."""
    from safetensors import safe_open

    path = directory / ENCODER_FILE
    if not path.is_file():
        raise ModelError(f"LaVIT checkpoint {directory} has no {ENCODER_FILE}")
    with safe_open(path, framework="pt") as handle:
        if "quantize.embedding.weight" not in handle.keys():  # noqa: SIM118 - safe_open is no dict
            raise ModelError(f"{path} has no quantize.embedding.weight")
        return handle.get_tensor("quantize.embedding.weight")


def _load(module: torch.nn.Module, state: dict[str, torch.Tensor], what: str, *, optional: set[str] = frozenset(),
          report: LoadReport | None) -> None:
    expected = set(module.state_dict())
    missing = sorted(expected - set(state) - set(optional))
    unexpected = sorted(set(state) - expected)
    if report is not None:
        report.missing += missing
        report.unexpected += unexpected
    if missing:
        raise ModelError(f"LaVIT {what}: {len(missing)} weight(s) missing, e.g. {missing[0]}")
    if unexpected:
        log.warning("LaVIT %s: ignoring %d unknown weight(s), e.g. %s", what, len(unexpected), unexpected[0])
    try:
        module.load_state_dict({k: v for k, v in state.items() if k in expected}, strict=False)
    except RuntimeError as exc:
        raise ModelError(f"LaVIT {what}: weights do not fit the configured shapes: "
                         f"{str(exc).strip().splitlines()[-1].strip()}") from None
