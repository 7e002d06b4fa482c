"""The stepper of :func:`docai.models.decode.decode` for the mBART decoder of Nougat and Donut.

Reads the weights of a transformers ``MBartForCausalLM`` (the decoder of a ``VisionEncoderDecoderModel``)
and runs the incremental step directly: one fused self-attention projection, the cross-attention keys and
values projected once per page, a preallocated self-attention cache that grows by doubling, and
rows that can be dropped when their page is finished. Numerically it is the same computation as the
transformers module (same weights, same order of operations up to the attention kernel).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from docai.errors import ModelError
from docai.models.encoding import encode_in_chunks


@dataclass
class _Layer:
    module: torch.nn.Module
    qkv_weight: torch.Tensor
    qkv_bias: torch.Tensor | None


#: model → its fused self-attention projections, made once per model (weak: a dropped model frees them)
_fused: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_fused_lock = threading.Lock()


def encode(model, pixel_values: torch.Tensor, chunk: int | None = None) -> torch.Tensor:
    """The image encoder's last hidden state for a batch of pages (in the model's dtype and device), run
    ``chunk`` pages at a time (default: one page per forward on CPU, all at once elsewhere; see
    :mod:`docai.models.encoding`)."""
    param = next(model.encoder.parameters())
    pixel_values = pixel_values.to(device=param.device, dtype=param.dtype)

    def run(pixels: torch.Tensor) -> torch.Tensor:
        out = model.encoder(pixel_values=pixels)
        return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]

    return encode_in_chunks(run, pixel_values, chunk)


class MBartStepper:
    """Incremental decoding steps for the mBART decoder of a ``VisionEncoderDecoderModel``.

    One stepper holds one batch's caches: create one per concurrent decode (cheap: the fused weights
    are shared per model).
    """

    def __init__(self, model: torch.nn.Module) -> None:
        decoder_lm = model.decoder
        inner = getattr(getattr(decoder_lm, "model", None), "decoder", None)
        if inner is None or not hasattr(inner, "layers") or not hasattr(inner, "embed_positions"):
            raise ModelError(f"unsupported decoder {type(decoder_lm).__name__} (needs an mBART decoder)")
        self.decoder = inner
        self.lm_head = decoder_lm.get_output_embeddings()
        self.proj = getattr(model, "enc_to_dec_proj", None)
        first = inner.layers[0].self_attn
        self.heads = first.num_heads
        self.head_dim = first.head_dim
        self.positions = inner.embed_positions.num_embeddings - getattr(inner.embed_positions, "offset", 2)
        with _fused_lock:
            if inner not in _fused:
                _fused[inner] = [self._fuse(layer) for layer in inner.layers]
            self.layers = _fused[inner]
        self.cross: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.keys: list[torch.Tensor] = []
        self.values: list[torch.Tensor] = []
        self.length = 0

    @staticmethod
    def _fuse(layer: torch.nn.Module) -> _Layer:
        attn = layer.self_attn
        weight = torch.cat([attn.q_proj.weight, attn.k_proj.weight, attn.v_proj.weight]).detach()
        bias = None
        if attn.q_proj.bias is not None:
            bias = torch.cat([attn.q_proj.bias, attn.k_proj.bias, attn.v_proj.bias]).detach()
        return _Layer(layer, weight, bias)

    @property
    def device(self) -> torch.device:
        return self.lm_head.weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.lm_head.weight.dtype

    def room(self) -> int:
        """Positions left in the decoder after what was fed so far."""
        return self.positions - self.length

    @torch.inference_mode()
    def start(self, encoder_hidden: torch.Tensor, prefix: torch.Tensor, capacity: int | None = None) -> torch.Tensor:
        """Begin a batch: ``prefix`` ``(rows, length)`` (the decoder start token, or a task prompt that
        starts with it) is fed after the page memory ``encoder_hidden``; returns the next logits."""
        if prefix.shape[1] > self.positions:
            raise ModelError(f"the prompt is {prefix.shape[1]} tokens, the decoder has only {self.positions} positions")
        wanted = capacity if capacity is not None else (self.positions if self.device.type != "cpu" else 256)
        self.begin(encoder_hidden, capacity=max(prefix.shape[1], min(wanted, self.positions)))
        logits = None
        for column in range(prefix.shape[1]):
            logits = self.step(prefix[:, column])
        return logits

    @torch.inference_mode()
    def begin(self, encoder_hidden: torch.Tensor, capacity: int) -> None:
        """Project the cross-attention keys/values of a new batch and reserve ``capacity`` positions."""
        if self.proj is not None:
            encoder_hidden = self.proj(encoder_hidden)
        encoder_hidden = encoder_hidden.to(self.dtype)
        batch, source = encoder_hidden.shape[:2]
        self.cross = []
        for layer in self.layers:
            attn = layer.module.encoder_attn
            k = attn.k_proj(encoder_hidden).view(batch, source, self.heads, self.head_dim).transpose(1, 2)
            v = attn.v_proj(encoder_hidden).view(batch, source, self.heads, self.head_dim).transpose(1, 2)
            self.cross.append((k.contiguous(), v.contiguous()))
        shape = (batch, self.heads, max(1, capacity), self.head_dim)
        self.keys = [torch.empty(shape, dtype=self.dtype, device=self.device) for _ in self.layers]
        self.values = [torch.empty(shape, dtype=self.dtype, device=self.device) for _ in self.layers]
        self.length = 0

    @torch.inference_mode()
    def select(self, rows: torch.Tensor) -> None:
        """Keep only ``rows`` of the batch (finished pages leave), in that order."""
        rows = rows.to(self.device)
        self.cross = [(k.index_select(0, rows), v.index_select(0, rows)) for k, v in self.cross]
        used = self.length
        self.keys = [self._select_cache(c, rows, used) for c in self.keys]
        self.values = [self._select_cache(c, rows, used) for c in self.values]

    @staticmethod
    def _select_cache(cache: torch.Tensor, rows: torch.Tensor, used: int) -> torch.Tensor:
        out = torch.empty((len(rows), *cache.shape[1:]), dtype=cache.dtype, device=cache.device)
        out[:, :, :used] = cache[:, :, :used].index_select(0, rows)
        return out

    def _grow(self) -> None:
        capacity = self.keys[0].shape[2]
        if self.length < capacity:
            return
        if self.length >= self.positions:
            raise ModelError(f"the decoder has only {self.positions} positions")
        new = min(2 * capacity, self.positions)
        self.keys = [self._resize(c, new) for c in self.keys]
        self.values = [self._resize(c, new) for c in self.values]

    def _resize(self, cache: torch.Tensor, capacity: int) -> torch.Tensor:
        out = torch.empty((*cache.shape[:2], capacity, cache.shape[3]), dtype=cache.dtype, device=cache.device)
        out[:, :, :self.length] = cache[:, :, :self.length]
        return out

    @torch.inference_mode()
    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        """Feed one token per row (at the next position); return the logits ``(rows, vocab)``."""
        self._grow()
        pos = self.length
        dec = self.decoder
        hidden = dec.embed_tokens(tokens.view(-1, 1).to(self.device))
        hidden = hidden + dec.embed_positions.weight[pos + 2].to(hidden.dtype)
        hidden = dec.layernorm_embedding(hidden)
        batch = hidden.shape[0]
        for i, layer in enumerate(self.layers):
            m = layer.module
            residual = hidden
            qkv = F.linear(m.self_attn_layer_norm(hidden), layer.qkv_weight, layer.qkv_bias)
            q, k, v = qkv.view(batch, 1, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
            self.keys[i][:, :, pos:pos + 1] = k
            self.values[i][:, :, pos:pos + 1] = v
            attn = F.scaled_dot_product_attention(q, self.keys[i][:, :, :pos + 1], self.values[i][:, :, :pos + 1])
            hidden = residual + m.self_attn.out_proj(attn.transpose(1, 2).reshape(batch, 1, -1))
            residual = hidden
            q = m.encoder_attn.q_proj(m.encoder_attn_layer_norm(hidden))
            q = q.view(batch, 1, self.heads, self.head_dim).transpose(1, 2)
            ck, cv = self.cross[i]
            attn = F.scaled_dot_product_attention(q, ck, cv)
            hidden = residual + m.encoder_attn.out_proj(attn.transpose(1, 2).reshape(batch, 1, -1))
            residual = hidden
            hidden = residual + m.fc2(m.activation_fn(m.fc1(m.final_layer_norm(hidden))))
        hidden = dec.layer_norm(hidden)
        self.length = pos + 1
        return self.lm_head(hidden[:, 0])
