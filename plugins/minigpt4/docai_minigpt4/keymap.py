"""The official MiniGPT-4 / LAVIS parameter names → the composed model's names (pure functions on dicts).

* LAVIS BLIP-2 file (or an EVA ViT-g file, whose keys lack the ``visual_encoder.`` prefix):
  ``visual_encoder.cls_token`` → ``vision_model.embeddings.class_embedding``, ``pos_embed`` →
  ``position_embedding``, ``patch_embed.proj`` → ``patch_embedding``; per block ``norm1``/``norm2`` →
  ``layer_norm1``/``layer_norm2``, ``attn.qkv.weight`` → ``self_attn.qkv.weight``, ``attn.q_bias`` and
  ``attn.v_bias`` folded into ``self_attn.qkv.bias`` (EVA has no key bias: zeros between them),
  ``attn.proj`` → ``self_attn.projection``, ``mlp.fc1``/``fc2`` unchanged; ``ln_vision`` →
  ``vision_model.post_layernorm``.
* ``Qformer.bert.*`` → ``qformer.*`` with ``embeddings.LayerNorm`` → ``layernorm`` and ``.self.`` →
  ``.attention.``; the text-only parts (word and position embeddings, the text feed-forward
  ``intermediate``/``output``, the ``cls`` head) are dropped, as MiniGPT-4 drops them. ``query_tokens`` as is.
* MiniGPT-4 file: ``llama_proj.*`` as is. The language model's keys get the ``language_model.`` prefix.
"""

from __future__ import annotations

import re

import torch

_BLOCK = re.compile(r"^blocks\.(\d+)\.(.+)$")
_VISION_BLOCK_PARTS = {
    "norm1.weight": "layer_norm1.weight", "norm1.bias": "layer_norm1.bias",
    "norm2.weight": "layer_norm2.weight", "norm2.bias": "layer_norm2.bias",
    "attn.qkv.weight": "self_attn.qkv.weight",
    "attn.proj.weight": "self_attn.projection.weight", "attn.proj.bias": "self_attn.projection.bias",
    "mlp.fc1.weight": "mlp.fc1.weight", "mlp.fc1.bias": "mlp.fc1.bias",
    "mlp.fc2.weight": "mlp.fc2.weight", "mlp.fc2.bias": "mlp.fc2.bias",
}
_VISION_TOP = {
    "cls_token": "embeddings.class_embedding", "pos_embed": "embeddings.position_embedding",
    "patch_embed.proj.weight": "embeddings.patch_embedding.weight",
    "patch_embed.proj.bias": "embeddings.patch_embedding.bias",
}
#: Q-Former parts MiniGPT-4 sets to None (text input and text head): not part of the composed model
_QFORMER_DROPPED = re.compile(r"^(embeddings\.(word_embeddings|position_embeddings|position_ids)"
                              r"|encoder\.layer\.\d+\.(intermediate|output)\.)")


def vision_prefix(state: dict[str, torch.Tensor]) -> str | None:
    """``"visual_encoder."`` (LAVIS file), ``""`` (bare EVA file) or None (no vision weights)."""
    if "visual_encoder.cls_token" in state:
        return "visual_encoder."
    if "cls_token" in state and "patch_embed.proj.weight" in state:
        return ""
    return None


def map_vision(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    """The EVA ViT-g weights (and ``ln_vision``) under the composed ``vision_model.*`` names."""
    out: dict[str, torch.Tensor] = {}
    q_bias: dict[str, torch.Tensor] = {}
    v_bias: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix):]
        if name in _VISION_TOP:
            out[f"vision_model.{_VISION_TOP[name]}"] = value
            continue
        match = _BLOCK.match(name)
        if not match:
            continue
        layer, part = match.groups()
        target = f"vision_model.encoder.layers.{layer}."
        if part == "attn.q_bias":
            q_bias[target] = value
        elif part == "attn.v_bias":
            v_bias[target] = value
        elif part in _VISION_BLOCK_PARTS:
            out[target + _VISION_BLOCK_PARTS[part]] = value
    for target, q in q_bias.items():
        v = v_bias.get(target, torch.zeros_like(q))
        out[target + "self_attn.qkv.bias"] = torch.cat([q, torch.zeros_like(q), v])
    for part in ("weight", "bias"):
        if f"ln_vision.{part}" in state:
            out[f"vision_model.post_layernorm.{part}"] = state[f"ln_vision.{part}"]
    return out


def map_qformer(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``Qformer.bert.*`` and ``query_tokens`` under the composed ``qformer.*`` names (text parts dropped)."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if not key.startswith("Qformer.bert."):
            continue
        name = key[len("Qformer.bert."):]
        if _QFORMER_DROPPED.match(name):
            continue
        name = name.replace("embeddings.LayerNorm.", "layernorm.").replace(".self.", ".attention.")
        out[f"qformer.{name}"] = value
    if "query_tokens" in state:
        out["query_tokens"] = state["query_tokens"]
    return out


def map_projection(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``llama_proj.*`` (the MiniGPT-4 file also holds nothing else worth keeping)."""
    return {k: v for k, v in state.items() if k.startswith("llama_proj.")}


def map_language_model(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A transformers LLaMA checkpoint's keys under ``language_model.``."""
    return {f"language_model.{k}": v for k, v in state.items()}
