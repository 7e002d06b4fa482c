"""An SDPA path for DonutSwin window attention, the Swin encoder of Nougat and Donut.

transformers' ``DonutSwinSelfAttention`` computes ``softmax(QKᵀ·scale + relative_position_bias + shift_mask)·V``
eagerly: two batched matmuls, a division, a gather of the bias table, two broadcast adds and a softmax, each a
full pass over a ``windows × heads × 49 × 49`` score tensor. :func:`enable_sdpa` swaps those modules (by
instance class, no copy of the modeling file) to a subclass that folds the bias and, for shifted windows, the
cyclic-shift mask into ONE additive ``attn_mask`` for :func:`torch.nn.functional.scaled_dot_product_attention`,
which runs PyTorch's fused kernel. Its ``DonutSwinLayer`` moves tokens into and out of windows with one gather
each way, and at CPU inference runs the block's linears as oneDNN linears with bias, GELU and residual fused.

When gradients are off, the folded mask (per attention module), the shift mask and the window indices (per
layer) are cached for the last page size, and rebuilt when the bias table, dtype, device or size changes.
Attention maps (``output_attentions=True``) and any extra argument (e.g. a ``head_mask`` on other
transformers versions) fall back to the untouched eager forward. User docs: ``docs/swin_sdpa.md``.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers.activations import GELUActivation
from transformers.models.donut.modeling_donut_swin import DonutSwinLayer, DonutSwinSelfAttention

from docai.errors import ModelError

__all__ = ["SdpaDonutSwinLayer", "SdpaDonutSwinSelfAttention", "disable_sdpa", "enable_sdpa"]

# The eager forwards this module replaces must still take these arguments, in this order.
_EXPECTED_SIGNATURES = {
    DonutSwinSelfAttention: ("self", "hidden_states", "attention_mask", "output_attentions"),
    DonutSwinLayer: ("self", "hidden_states", "input_dimensions", "output_attentions", "always_partition"),
}


class SdpaDonutSwinSelfAttention(DonutSwinSelfAttention):
    """``DonutSwinSelfAttention`` whose forward runs one fused SDPA call with the bias folded into the mask.

    Same parameters, buffers and state dict as the eager class; only ``forward`` differs.
    """

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        output_attentions: bool | None = False,
        *args: Any,
        **kwargs: Any,
    ) -> tuple[torch.Tensor, ...]:
        """Window attention of ``hidden_states`` (``batch·windows × N × C``) under ``attention_mask`` (``windows × N × N``)."""
        if output_attentions or args or kwargs:
            return super().forward(hidden_states, attention_mask, output_attentions, *args, **kwargs)
        batch_windows, tokens, channels = hidden_states.shape
        head_shape = (batch_windows, tokens, self.num_attention_heads, self.attention_head_size)
        if _can_fuse(self, hidden_states, self.query):
            flat = hidden_states.reshape(-1, channels)
            query, key, value = (_fused_linear(flat, linear) for linear in (self.query, self.key, self.value))
        else:
            query, key, value = self.query(hidden_states), self.key(hidden_states), self.value(hidden_states)
        query, key, value = (x.view(head_shape).transpose(1, 2) for x in (query, key, value))
        mask = self._additive_mask(attention_mask, batch_windows, query.dtype)
        context = F.scaled_dot_product_attention(
            query, key, value, attn_mask=mask, dropout_p=self.dropout.p if self.training else 0.0
        )
        return (context.transpose(1, 2).reshape(batch_windows, tokens, self.all_head_size),)

    def relative_position_bias(self) -> torch.Tensor:
        """The ``heads × N × N`` relative position bias, exactly as the eager forward gathers it."""
        tokens = self.window_size[0] * self.window_size[1]
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        return bias.view(tokens, tokens, -1).permute(2, 0, 1)

    def _additive_mask(
        self, shift_mask: torch.Tensor | None, batch_windows: int, dtype: torch.dtype
    ) -> torch.Tensor:
        """The one additive mask for SDPA, 4-D so PyTorch's fused kernel (not its math fallback) takes it."""
        folded = self._folded_bias_and_mask(shift_mask, dtype)
        if shift_mask is None or folded.shape[0] == batch_windows:
            return folded
        # The fused kernels broadcast only size-1 dims, and windows repeat per image: tile over the batch.
        return folded.repeat(batch_windows // folded.shape[0], 1, 1, 1)

    def _folded_bias_and_mask(self, shift_mask: torch.Tensor | None, dtype: torch.dtype) -> torch.Tensor:
        """``bias`` (``1 × H × N × N``) or ``bias + shift_mask`` (``windows × H × N × N``) in ``dtype``; cached."""
        table = self.relative_position_bias_table
        key = _cache_key(table, dtype)
        cached = self.__dict__.get("_sdpa_mask_cache")
        if key is not None and cached is not None and cached[0] == key and cached[1] is shift_mask:
            return cached[2]
        bias = self.relative_position_bias().unsqueeze(0)
        folded = bias if shift_mask is None else bias + shift_mask.unsqueeze(1)
        folded = folded.to(dtype).contiguous()
        # Keeping shift_mask itself in the cache pins it, so its identity cannot be reused by another tensor.
        self._sdpa_mask_cache = None if key is None else (key, shift_mask, folded)
        return folded


class SdpaDonutSwinLayer(DonutSwinLayer):
    """``DonutSwinLayer`` with fewer passes over the feature map around the SDPA window attention.

    - Windows: eager pads, rolls (two full copies per direction), partitions and, on the way back, reverses,
      rolls and crops. A precomputed index per feature-map size does each permutation in one
      ``index_select``, padded positions reading an all-zero row. The attention output projection, a
      per-token linear, runs after the gather back, which is the same arithmetic in another order.
    - Residual MLP: at inference on CPU (fp32/bf16) the three linears after attention run as oneDNN linears
      with the bias, exact GELU and residual add fused in (see :func:`_fused_linear`), instead of separate
      bias-copy, GELU and add passes.
    - The cyclic-shift mask is built once per feature-map size when gradients are off.
    """

    def forward(
        self,
        hidden_states: torch.Tensor,
        input_dimensions: tuple[int, int],
        output_attentions: bool | None = False,
        always_partition: bool | None = False,
    ) -> tuple[torch.Tensor, ...]:
        """One Swin block: windowed attention then MLP, each with its residual (as eager, attentions aside)."""
        if output_attentions:
            return super().forward(hidden_states, input_dimensions, output_attentions, always_partition)
        if not always_partition:
            self.set_shift_and_window_size(input_dimensions)
        height, width = input_dimensions
        batch_size, _, channels = hidden_states.shape
        window_tokens = int(self.window_size) ** 2
        into_windows, out_of_windows, padded_size = self._window_indices(height, width, hidden_states.device)

        normed = self.layernorm_before(hidden_states)
        if padded_size != (height, width):
            normed = torch.cat([normed, normed.new_zeros(batch_size, 1, channels)], dim=1)
        windows = normed.index_select(1, into_windows).view(-1, window_tokens, channels)
        attn_mask = self.get_attn_mask(*padded_size, dtype=hidden_states.dtype, device=hidden_states.device)
        context = self.attention.self(windows, attn_mask, False)[0]
        context = context.view(batch_size, -1, channels).index_select(1, out_of_windows)
        return (self._residual_blocks(hidden_states, context),)

    def _residual_blocks(self, hidden_states: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """``x + proj(context)``, then ``x + MLP(layernorm(x))``: the rest of the block after attention."""
        gelu = self.intermediate.intermediate_act_fn
        if _can_fuse(self, hidden_states, self.output.dense) and _is_exact_gelu(gelu):
            shape = hidden_states.shape
            flat = hidden_states.reshape(-1, shape[-1])
            flat = _fused_linear(context.reshape(flat.shape), self.attention.output.dense, residual=flat)
            expanded = _fused_linear(self.layernorm_after(flat), self.intermediate.dense, gelu=True)
            return _fused_linear(expanded, self.output.dense, residual=flat).view(shape)
        hidden_states = hidden_states + self.drop_path(self.attention.output(context, hidden_states))
        layer_output = self.intermediate(self.layernorm_after(hidden_states))
        return hidden_states + self.output(layer_output)

    def _window_indices(
        self, height: int, width: int, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor, tuple[int, int]]:
        """Gather indices into window order and back, and the padded size; cached per size.

        ``into`` lists, in eager's window order, the flat position each windowed token comes from (``height *
        width`` — one past the end — for padding); ``out`` lists, for each flat position, its window slot.
        """
        window, shift = int(self.window_size), int(self.shift_size)
        key = (height, width, window, shift, device, torch.is_inference_mode_enabled())
        cached = self.__dict__.get("_sdpa_window_index_cache")
        if cached is not None and cached[0] == key:
            return cached[1]
        height_pad, width_pad = -(-height // window) * window, -(-width // window) * window
        rows = (torch.arange(height_pad, device=device) + shift) % height_pad
        cols = (torch.arange(width_pad, device=device) + shift) % width_pad
        inside = (rows < height)[:, None] & (cols < width)[None, :]
        source = torch.where(inside, rows[:, None] * width + cols[None, :], height * width)
        into = (
            source.view(height_pad // window, window, width_pad // window, window).transpose(1, 2).reshape(-1)
        )
        out = torch.empty(height * width, dtype=torch.long, device=device)
        slots = torch.arange(into.numel(), device=device)
        real = into < height * width
        out[into[real]] = slots[real]
        indices = (into, out, (height_pad, width_pad))
        self._sdpa_window_index_cache = (key, indices)
        return indices

    def get_attn_mask(
        self, height: int, width: int, dtype: torch.dtype, device: torch.device
    ) -> torch.Tensor | None:
        """The eager shift mask, remembered for the last ``(height, width, window, shift, dtype, device)``."""
        if torch.is_grad_enabled():
            return super().get_attn_mask(height, width, dtype, device)
        key = (
            height,
            width,
            int(self.window_size),
            int(self.shift_size),
            dtype,
            device,
            torch.is_inference_mode_enabled(),
        )
        cached = self.__dict__.get("_sdpa_shift_mask_cache")
        if cached is not None and cached[0] == key:
            return cached[1]
        mask = super().get_attn_mask(height, width, dtype, device)
        self._sdpa_shift_mask_cache = (key, mask)
        return mask


def _can_fuse(module: nn.Module, inputs: torch.Tensor, linear: nn.Linear) -> bool:
    """Whether oneDNN fused linears may replace ``module``'s eager linears for ``inputs``.

    Only for inference (no autograd through oneDNN ops, no dropout), on CPU without autocast, in fp32 or bf16
    with weights of the same dtype, and where this PyTorch build has the op (bf16 also needs CPU support).
    """
    if torch.is_grad_enabled() or module.training or inputs.device.type != "cpu":
        return False
    if torch.is_autocast_enabled("cpu") or linear.weight.dtype != inputs.dtype:
        return False
    return _onednn_linear_available(inputs.dtype)


def _is_exact_gelu(activation: nn.Module) -> bool:
    """True for transformers' default ``gelu`` activation (erf form), the one oneDNN's ``gelu`` fuses."""
    return isinstance(activation, GELUActivation) and activation.act is F.gelu


def _onednn_linear_available(dtype: torch.dtype) -> bool:
    """True where ``torch.ops.mkldnn._linear_pointwise`` exists and runs ``dtype`` on this CPU."""
    if dtype not in (torch.float32, torch.bfloat16) or not torch.backends.mkldnn.is_available():
        return False
    if not hasattr(torch.ops.mkldnn, "_linear_pointwise"):
        return False
    return dtype == torch.float32 or torch.ops.mkldnn._is_mkldnn_bf16_supported()


def _fused_linear(
    inputs: torch.Tensor, linear: nn.Linear, *, gelu: bool = False, residual: torch.Tensor | None = None
) -> torch.Tensor:
    """``linear(inputs)`` with the bias and either an exact GELU or ``+ residual`` fused (2-D tensors)."""
    weight, bias = linear.weight, linear.bias
    if residual is not None:
        return torch.ops.mkldnn._linear_pointwise.binary(inputs, residual, weight, bias, "add")
    return torch.ops.mkldnn._linear_pointwise(inputs, weight, bias, "gelu" if gelu else "none", [], "none")


_SWAPS: dict[type[nn.Module], type[nn.Module]] = {
    DonutSwinSelfAttention: SdpaDonutSwinSelfAttention,
    DonutSwinLayer: SdpaDonutSwinLayer,
}
_CACHE_ATTRIBUTES = ("_sdpa_mask_cache", "_sdpa_shift_mask_cache", "_sdpa_window_index_cache")


def enable_sdpa(model: nn.Module) -> int:
    """Switch every DonutSwin window attention inside ``model`` to the SDPA path; return how many are on it.

    ``model`` may be a ``DonutSwinModel``, a ``VisionEncoderDecoderModel`` holding one, or any module tree;
    0 means it holds no DonutSwin attention. Idempotent: modules already switched are left as they are and a
    second call returns the same count. Weights, buffers and the state dict are untouched;
    :func:`disable_sdpa` switches back. Raises :class:`~docai.errors.ModelError` (switching nothing) where the
    installed transformers' attention takes other arguments than this path was written for.
    """
    _check_eager_signature()
    on_sdpa = 0
    for module in model.modules():
        target = _SWAPS.get(type(module))
        if target is not None:
            module.__class__ = target
        on_sdpa += isinstance(module, SdpaDonutSwinSelfAttention)
    return on_sdpa


def disable_sdpa(model: nn.Module) -> int:
    """Switch every SDPA window attention inside ``model`` back to eager; return how many switched back."""
    eager_of = {sdpa: eager for eager, sdpa in _SWAPS.items()}
    switched = 0
    for module in model.modules():
        target = eager_of.get(type(module))
        if target is None:
            continue
        module.__class__ = target
        for name in _CACHE_ATTRIBUTES:
            module.__dict__.pop(name, None)
        switched += target is DonutSwinSelfAttention
    return switched


def _cache_key(table: torch.Tensor, dtype: torch.dtype) -> tuple[Any, ...] | None:
    """What the folded mask depends on besides the shift mask, or None when it must not be cached.

    Not cached while autograd may need the graph, nor for inference tensors (they keep no version counter).
    """
    if (torch.is_grad_enabled() and table.requires_grad) or table.is_inference():
        return None
    return (
        table._version,
        table.data_ptr(),
        table.dtype,
        table.device,
        dtype,
        torch.is_inference_mode_enabled(),
    )


def _check_eager_signature() -> None:
    """Refuse a transformers whose eager forwards take other arguments than this path was built for."""
    for cls, expected in _EXPECTED_SIGNATURES.items():
        names = tuple(inspect.signature(cls.forward).parameters)
        if names != expected:
            raise ModelError(
                f"SDPA attention does not support this transformers version: {cls.__name__}.forward{names}"
            )
