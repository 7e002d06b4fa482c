"""Stage-1 training of the dynamic visual tokenizer on tiny data: the loss falls, the keep ratio nears 1/3."""

from __future__ import annotations

import torch

from docai_lavit.config import LavitConfig
from docai_lavit.decoder import FeatureDecoder
from docai_lavit.tokenizer import DynamicVisualTokenizer
from docai_lavit.training import KEEP_RATIO, tokenizer_loss, train_step, trainable_parameters

CONFIG = LavitConfig(image_size=56, patch_size=14, vit_width=64, vit_layers=2, vit_head_width=32,
                     vit_mlp_hidden=128, vit_embed_dim=32, merger_depth=2, heads=4, mlp_hidden=128, n_code=32,
                     code_dim=8, llm_width=32, decoder_depth=2, cond_dims=(16, 16), pooled_dim=16)


def _setup():
    torch.manual_seed(0)
    tokenizer, decoder = DynamicVisualTokenizer(CONFIG), FeatureDecoder(CONFIG)
    optimizer = torch.optim.AdamW(trainable_parameters(tokenizer, decoder), lr=3e-3)
    return tokenizer, decoder, optimizer, torch.randn(4, 3, 56, 56)


def test_a_few_steps_lower_the_loss_and_move_the_keep_ratio_toward_rho():
    tokenizer, decoder, optimizer, pixels = _setup()
    vit_before = {k: v.clone() for k, v in tokenizer.encoder.state_dict().items()}
    results = [train_step(tokenizer, decoder, optimizer, pixels) for _ in range(12)]
    first, last = results[0], results[-3:]
    assert sum(r.loss for r in last) / 3 < 0.8 * first.loss
    assert sum(r.reconstruction for r in last) / 3 < first.reconstruction
    late_ratio = sum(r.keep_ratio for r in last) / 3
    assert abs(late_ratio - KEEP_RATIO) < abs(first.keep_ratio - KEEP_RATIO)
    # the ViT is frozen; the selector, merger and codebook learn
    assert all(torch.equal(v, tokenizer.encoder.state_dict()[k]) for k, v in vit_before.items())


def test_loss_is_the_documented_sum():
    tokenizer, decoder, _, pixels = _setup()
    torch.manual_seed(1)
    loss, parts = tokenizer_loss(tokenizer, decoder, pixels)
    expected = parts.reconstruction + 2.0 * (KEEP_RATIO - parts.keep_ratio) ** 2 + parts.vq
    assert abs(loss.item() - expected) < 1e-5
    assert 0.0 <= parts.reconstruction <= 2.0 and 0.0 < parts.keep_ratio <= 1.0


def test_inference_keeps_a_variable_number_of_tokens_per_image():
    tokenizer, _, _, pixels = _setup()
    tokenizer.eval()
    with torch.no_grad():
        # make the selector's keep score depend on the patch content, so images differ in kept counts
        tokenizer.token_predictor.out_conv[4].weight.mul_(400.0)
        codes = tokenizer.tokenize(pixels)
        features = tokenizer.encode_features(pixels)
    counts = [len(c) for c in codes]
    assert all(1 <= n <= CONFIG.num_patches for n in counts)
    assert [len(f) for f in features] == counts
    assert len(set(counts)) > 1, counts
    assert all(int(c.max()) < CONFIG.n_code for c in codes)
    assert features[0].shape[1] == CONFIG.llm_width
