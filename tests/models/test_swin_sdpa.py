"""SDPA window attention for DonutSwin: same outputs as eager, switched in place, eager where it must be."""

from __future__ import annotations

import contextlib

import pytest
import torch
from transformers import (
    DonutSwinConfig,
    DonutSwinModel,
    MBartConfig,
    MBartForCausalLM,
    VisionEncoderDecoderModel,
)
from transformers.models.donut.modeling_donut_swin import DonutSwinLayer, DonutSwinSelfAttention

from docai.errors import ModelError
from docai.models import swin_sdpa
from docai.models.swin_sdpa import (
    SdpaDonutSwinLayer,
    SdpaDonutSwinSelfAttention,
    disable_sdpa,
    enable_sdpa,
)

# 46×62 pixels, patch 2 → a 23×31 grid, window 3: stage 1 pads both sides, stage 2 (12×16) pads the width;
# odd blocks of both stages use shifted windows (each stage's map stays larger than the window).
HEIGHT, WIDTH = 46, 62
ATTENTION_MODULES = 4


def tiny_config() -> DonutSwinConfig:
    return DonutSwinConfig(
        image_size=[HEIGHT, WIDTH], patch_size=2, embed_dim=16, depths=[2, 2], num_heads=[2, 4], window_size=3
    )


def tiny_encoder(seed: int = 0) -> DonutSwinModel:
    """A tiny random DonutSwin with non-zero relative position biases (init leaves them zero)."""
    torch.manual_seed(seed)
    model = DonutSwinModel(tiny_config()).eval()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, DonutSwinSelfAttention):
                module.relative_position_bias_table.normal_(0.0, 1.0)
    return model


def pixels(batch: int = 2, height: int = HEIGHT, width: int = WIDTH) -> torch.Tensor:
    return torch.randn(batch, 3, height, width, generator=torch.Generator().manual_seed(1))


def assert_close(actual: torch.Tensor, expected: torch.Tensor, rtol: float = 1e-5) -> None:
    """max |actual - expected| within ``rtol`` of max |expected|."""
    scale = expected.abs().max().item()
    difference = (actual.float() - expected.float()).abs().max().item()
    assert difference <= rtol * scale, f"max abs diff {difference:.3g} > {rtol:g} × {scale:.3g}"


def run(model: DonutSwinModel, inputs: torch.Tensor, **kwargs):
    return model(inputs, output_hidden_states=True, **kwargs)


GRAD_MODES = {
    "no_grad": torch.no_grad,
    "inference_mode": torch.inference_mode,
    "grad": contextlib.nullcontext,
}


@pytest.mark.parametrize("mode", list(GRAD_MODES))
def test_sdpa_matches_eager_with_shifts_padding_and_batch(mode):
    model, inputs = tiny_encoder(), pixels()
    with GRAD_MODES[mode]():
        expected = run(model, inputs)
        assert enable_sdpa(model) == ATTENTION_MODULES
        for _ in range(2):  # the second pass runs from the caches
            actual = run(model, inputs)
            assert_close(actual.last_hidden_state, expected.last_hidden_state)
            assert_close(actual.pooler_output, expected.pooler_output)
            assert len(actual.reshaped_hidden_states) == len(expected.reshaped_hidden_states)
            for got, want in zip(actual.reshaped_hidden_states, expected.reshaped_hidden_states, strict=True):
                assert_close(got, want)


def test_sdpa_matches_eager_in_bf16():
    model, inputs = tiny_encoder().to(torch.bfloat16), pixels().to(torch.bfloat16)
    with torch.inference_mode():
        expected = run(model, inputs).last_hidden_state
        enable_sdpa(model)
        actual = run(model, inputs).last_hidden_state
    assert actual.dtype == torch.bfloat16
    assert_close(actual, expected, rtol=5e-2)


def test_without_fused_linears_still_matches(monkeypatch):
    """Where oneDNN fused linears are unavailable, the layer falls back to the modules' own forwards."""
    monkeypatch.setattr(swin_sdpa, "_onednn_linear_available", lambda dtype: False)
    model, inputs = tiny_encoder(), pixels()
    with torch.inference_mode():
        expected = run(model, inputs).last_hidden_state
        enable_sdpa(model)
        assert_close(run(model, inputs).last_hidden_state, expected)


def test_batch_of_one_and_a_second_page_size_use_fresh_masks():
    model = tiny_encoder()
    sizes = [(1, HEIGHT, WIDTH), (3, 40, 50), (1, HEIGHT, WIDTH)]
    with torch.inference_mode():
        expected = [run(model, pixels(*size)).last_hidden_state for size in sizes]
        enable_sdpa(model)
        for size, want in zip(sizes, expected, strict=True):
            assert_close(run(model, pixels(*size)).last_hidden_state, want)


def test_cached_bias_follows_weight_changes():
    model, inputs = tiny_encoder(), pixels()
    enable_sdpa(model)
    with torch.inference_mode():
        run(model, inputs)  # fills the caches
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, DonutSwinSelfAttention):
                module.relative_position_bias_table.mul_(-2.0)
    with torch.inference_mode():
        actual = run(model, inputs).last_hidden_state
        disable_sdpa(model)
        assert_close(actual, run(model, inputs).last_hidden_state)


def test_gradients_match_eager():
    model, inputs = tiny_encoder(), pixels()
    table = model.encoder.layers[0].blocks[1].attention.self.relative_position_bias_table

    def bias_gradient() -> torch.Tensor:
        model.zero_grad()
        model(inputs).last_hidden_state.square().mean().backward()
        return table.grad.clone()

    expected = bias_gradient()
    enable_sdpa(model)
    assert_close(bias_gradient(), expected, rtol=1e-4)


def test_enable_is_idempotent_and_disable_restores_eager():
    model, inputs = tiny_encoder(), pixels()
    keys = list(model.state_dict())
    with torch.inference_mode():
        expected = model(inputs).last_hidden_state
        assert enable_sdpa(model) == ATTENTION_MODULES
        assert enable_sdpa(model) == ATTENTION_MODULES  # same count, nothing switched twice
        assert_close(model(inputs).last_hidden_state, expected)
    attention = [m for m in model.modules() if isinstance(m, DonutSwinSelfAttention)]
    assert all(type(m) is SdpaDonutSwinSelfAttention for m in attention)
    assert all(type(m) is SdpaDonutSwinLayer for m in model.modules() if isinstance(m, DonutSwinLayer))
    assert list(model.state_dict()) == keys

    assert disable_sdpa(model) == ATTENTION_MODULES
    assert disable_sdpa(model) == 0
    assert all(type(m) is DonutSwinSelfAttention for m in attention)
    assert not any(name.startswith("_sdpa") for m in model.modules() for name in vars(m))


def test_output_attentions_falls_back_to_eager():
    model, inputs = tiny_encoder(), pixels()
    with torch.inference_mode():
        expected = model(inputs, output_attentions=True)
        enable_sdpa(model)
        actual = model(inputs, output_attentions=True)
    assert len(actual.attentions) == len(expected.attentions) == len(tiny_config().depths)
    for got, want in zip(actual.attentions, expected.attentions, strict=True):
        assert torch.equal(got, want)
    assert torch.equal(actual.last_hidden_state, expected.last_hidden_state)


def test_extra_attention_arguments_fall_back_to_eager(monkeypatch):
    """An argument the SDPA path does not know (e.g. a head mask) goes to the eager forward untouched."""
    seen = []
    monkeypatch.setattr(
        DonutSwinSelfAttention, "forward", lambda self, *args, **kwargs: seen.append(kwargs) or ("eager",)
    )
    attention = tiny_encoder().encoder.layers[0].blocks[0].attention.self
    attention.__class__ = SdpaDonutSwinSelfAttention
    assert attention(torch.zeros(1, 9, 16), None, False, head_mask=torch.ones(2)) == ("eager",)
    assert "head_mask" in seen[0]


def test_vision_encoder_decoder_model_is_switched():
    decoder = MBartForCausalLM(
        MBartConfig(
            vocab_size=32,
            d_model=16,
            decoder_layers=1,
            decoder_attention_heads=2,
            decoder_ffn_dim=32,
            encoder_layers=1,
            encoder_attention_heads=2,
            encoder_ffn_dim=32,
            max_position_embeddings=16,
            is_decoder=True,
            add_cross_attention=True,
        )
    )
    model = VisionEncoderDecoderModel(encoder=tiny_encoder(), decoder=decoder).eval()
    inputs = pixels()
    with torch.inference_mode():
        expected = model.encoder(inputs).last_hidden_state
        assert enable_sdpa(model) == ATTENTION_MODULES
        assert enable_sdpa(model) == ATTENTION_MODULES
        assert_close(model.encoder(inputs).last_hidden_state, expected)


def test_model_without_donut_swin_switches_nothing():
    assert enable_sdpa(torch.nn.Sequential(torch.nn.Linear(2, 2))) == 0


def test_unknown_transformers_attention_signature_is_a_model_error(monkeypatch):
    expected = {
        **swin_sdpa._EXPECTED_SIGNATURES,
        DonutSwinSelfAttention: ("self", "hidden_states", "head_mask"),
    }
    monkeypatch.setattr(swin_sdpa, "_EXPECTED_SIGNATURES", expected)
    model = tiny_encoder()
    with pytest.raises(ModelError, match="transformers version"):
        enable_sdpa(model)
    assert not any(isinstance(m, SdpaDonutSwinSelfAttention) for m in model.modules())
