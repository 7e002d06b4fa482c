"""SDPA paths for BLIP's attention (transformers 5.x has none for BLIP): the vision encoder's and the text
decoder's.

``BlipAttention`` computes ``softmax(QKᵀ·scale)·V`` eagerly: two batched matmuls, a scaling and a softmax,
each a full pass over a ``heads × 577 × 577`` score tensor at 384×384. :func:`enable_sdpa` swaps the vision
encoder's attention modules (by instance class, no copy of the modeling file, as
:mod:`docai.models.swin_sdpa` does for Swin) to a subclass that runs one fused
:func:`torch.nn.functional.scaled_dot_product_attention` call. No mask is involved (every patch attends to
every patch). Measured on BLIP-base's ViT-B/16 at 384² on an Intel Xeon with AMX (``bench/plugins.py``
shape, one image per forward): 0.312 → 0.266 s/image in bf16, 0.823 → 0.652 in fp32, outputs equal to
eager within 4e-6 in fp32. Attention maps (``output_attentions``) fall back to the eager forward.

The text decoder's ``BlipTextSelfAttention`` (self- and cross-attention, one query row per step when
decoding) does two batched matmuls per call too; in bf16 on CPU those took a third of a batched caption's
decoder time (``bench/plugins.py``, 8 rows × 577 image tokens), where the fused kernel is cheaper. Its
cache handling is transformers' own, unchanged; the additive mask transformers builds is passed to SDPA.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from transformers.cache_utils import EncoderDecoderCache
from transformers.models.blip.modeling_blip import BlipAttention
from transformers.models.blip.modeling_blip_text import BlipTextSelfAttention


class SdpaBlipAttention(BlipAttention):
    """``BlipAttention`` whose forward is one fused SDPA call (no attention probabilities returned)."""

    def forward(self, hidden_states: torch.Tensor, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor | None]:
        if kwargs.get("output_attentions") or (self.training and self.dropout.p > 0):
            return BlipAttention.forward(self, hidden_states, **kwargs)
        batch, length, width = hidden_states.shape
        qkv = self.qkv(hidden_states).reshape(batch, length, 3, self.num_heads, width // self.num_heads)
        query, key, value = qkv.permute(2, 0, 3, 1, 4)
        context = F.scaled_dot_product_attention(query, key, value, scale=self.scale)
        return self.projection(context.transpose(1, 2).reshape(batch, length, width)), None


class SdpaBlipTextSelfAttention(BlipTextSelfAttention):
    """``BlipTextSelfAttention`` (self- or cross-attention of the text model) as one fused SDPA call."""

    def forward(self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None,
                encoder_hidden_states: torch.Tensor | None = None, encoder_attention_mask: torch.Tensor | None = None,
                cache: Any = None, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor | None]:
        cache = kwargs.pop("past_key_values", cache)
        if kwargs.get("output_attentions") or (self.training and self.dropout.p > 0):
            return BlipTextSelfAttention.forward(self, hidden_states, attention_mask, encoder_hidden_states,
                                                 encoder_attention_mask, cache=cache, **kwargs)
        head = self.attention_head_size
        query = self.query(hidden_states).view(*hidden_states.shape[:-1], -1, head).transpose(1, 2)
        cross = encoder_hidden_states is not None
        mask = encoder_attention_mask if cross else attention_mask
        layers = cache
        if isinstance(cache, EncoderDecoderCache):
            layers = cache.cross_attention_cache if cross else cache.self_attention_cache
        if cross and isinstance(cache, EncoderDecoderCache) and cache.is_updated.get(self.layer_idx):
            key, value = layers.layers[self.layer_idx].keys, layers.layers[self.layer_idx].values
        else:
            source = encoder_hidden_states if cross else hidden_states
            key = self.key(source).view(*source.shape[:-1], -1, head).transpose(1, 2)
            value = self.value(source).view(*source.shape[:-1], -1, head).transpose(1, 2)
            if cache is not None:
                key, value = layers.update(key, value, self.layer_idx, kwargs=kwargs)
                if cross and isinstance(cache, EncoderDecoderCache):
                    cache.is_updated[self.layer_idx] = True
        if mask is not None:
            mask = mask.to(device=query.device, dtype=query.dtype)
        context = F.scaled_dot_product_attention(query, key, value, attn_mask=mask)
        return context.transpose(1, 2).reshape(*hidden_states.shape[:-1], self.all_head_size), None


#: eager class → its fused subclass
_FUSED = {BlipAttention: SdpaBlipAttention, BlipTextSelfAttention: SdpaBlipTextSelfAttention}


def enable_sdpa(model: torch.nn.Module) -> int:
    """Switch BLIP's eager attention modules in ``model`` to their fused subclasses; how many were switched."""
    return _swap_classes(model, _FUSED)


def disable_sdpa(model: torch.nn.Module) -> int:
    """Undo :func:`enable_sdpa`; how many modules went back to the eager forward."""
    return _swap_classes(model, {fused: plain for plain, fused in _FUSED.items()})


def _swap_classes(model: torch.nn.Module, classes: dict[type, type]) -> int:
    """Give every module of ``model`` whose exact class is a key of ``classes`` the mapped class."""
    count = 0
    for module in model.modules():
        target = classes.get(type(module))
        if target is not None:
            module.__class__ = target
            count += 1
    return count
