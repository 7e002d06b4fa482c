"""The shapes of a LaVIT checkpoint, kept in ``lavit_config.json`` next to the converted weights.

The released checkpoint (``rain1011/LaVIT-7B-v2``) ships no such file: its shapes are fixed in the
official code (EVA-CLIP ViT-g/14, a 12-block token merger, a 16384 × 32 codebook, LLaMA-7B). The
converter reads every size it can from the weights themselves (:func:`infer_config`), so a converted
checkpoint of any size — the real one or a tiny test one — describes itself. Head counts cannot be read
from weights; they follow the official rules (ViT head width 88, 16 heads elsewhere) unless given.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from docai.errors import ModelError

CONFIG_FILE = "lavit_config.json"

#: LLaMA ids of LaVIT's image markers; visual token ``c`` is id ``VISUAL_TOKEN_OFFSET + c``.
IMAGE_START_ID = 32000
IMAGE_END_ID = 32001
VISUAL_TOKEN_OFFSET = 32002


@dataclass(frozen=True)
class LavitConfig:
    """Every size of the LaVIT modules; the defaults are the released checkpoint's."""

    image_size: int = 224
    patch_size: int = 14
    vit_width: int = 1408
    vit_layers: int = 40
    vit_head_width: int = 88
    vit_mlp_hidden: int = 6144  # int(1408 * 4.3637)
    vit_embed_dim: int = 1024  # EVA-CLIP's projection head (kept so the weights load; unused by LaVIT)
    merger_depth: int = 12
    heads: int = 16  # token merger, feature decoder and pixel-decoder conditioning
    mlp_hidden: int = 6144
    n_code: int = 16384
    code_dim: int = 32
    llm_width: int = 4096
    decoder_depth: int = 12
    cond_dims: tuple[int, int] = (768, 1280)  # HighresVQDecoder: unet_proj_1, unet_proj_2
    pooled_dim: int = 1280  # HighresVQDecoder.unet_attnpool output
    image_mean: tuple[float, float, float] = (0.48145466, 0.4578275, 0.40821073)
    image_std: tuple[float, float, float] = (0.26862954, 0.26130258, 0.27577711)

    @property
    def num_patches(self) -> int:
        return (self.image_size // self.patch_size) ** 2

    @property
    def vit_heads(self) -> int:
        return self.vit_width // self.vit_head_width

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LavitConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ModelError(f"{CONFIG_FILE}: unknown setting(s) {', '.join(sorted(unknown))}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)

    def save(self, directory: Path) -> None:
        (directory / CONFIG_FILE).write_text(self.to_json())


def read_config(directory: Path) -> LavitConfig:
    """The :class:`LavitConfig` stored in a converted checkpoint ``directory``."""
    path = directory / CONFIG_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{directory} has no {CONFIG_FILE}: not a converted LaVIT checkpoint "
                         "(run `docai dev convert-checkpoint lavit SRC DIR` first)") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path} is not a JSON object")
    return LavitConfig.from_dict(data)


def infer_config(eva: dict, encoder: dict, decoder: dict | None, llm_width: int | None,
                 **overrides: Any) -> LavitConfig:
    """Read the sizes from the official state dicts (EVA ViT, tokenizer encoder, high-res decoder)."""
    try:
        vit_width, _, patch, _ = eva["patch_embed.proj.weight"].shape
        grid = math.isqrt(eva["pos_embed"].shape[1] - 1)
        values: dict[str, Any] = {
            "image_size": grid * patch, "patch_size": patch, "vit_width": vit_width,
            "vit_layers": _count_blocks(eva, "blocks."),
            "vit_mlp_hidden": eva["blocks.0.mlp.fc1.weight"].shape[0],
            "vit_embed_dim": eva["head.weight"].shape[0],
            "vit_head_width": 88 if vit_width % 88 == 0 else vit_width,
            "merger_depth": _count_blocks(encoder, "causal_encoder.blocks."),
            "mlp_hidden": encoder["causal_encoder.blocks.0.mlp.fc1.weight"].shape[0],
            "n_code": encoder["quantize.embedding.weight"].shape[0],
            "code_dim": encoder["quantize.embedding.weight"].shape[1],
        }
        if "vit_proj.weight" in encoder:
            values["llm_width"] = encoder["vit_proj.weight"].shape[0]
        if llm_width is not None:
            values["llm_width"] = llm_width
        if decoder is not None:
            values["decoder_depth"] = _count_blocks(decoder, "blocks.")
            values["cond_dims"] = (decoder["unet_proj_1.weight"].shape[0], decoder["unet_proj_2.weight"].shape[0])
            values["pooled_dim"] = decoder["unet_attnpool.c_proj.weight"].shape[0]
    except (KeyError, IndexError, ValueError) as exc:
        raise ModelError(f"the LaVIT weights do not have the official layout (missing or odd {exc})") from None
    values["heads"] = 16 if vit_width % 16 == 0 else 1
    values.update(overrides)
    return LavitConfig(**values)


def _count_blocks(state: dict, prefix: str) -> int:
    numbers = {int(key[len(prefix):].split(".", 1)[0]) for key in state if key.startswith(prefix)}
    if not numbers:
        raise KeyError(prefix + "0")
    return max(numbers) + 1
