"""One training step of the dynamic visual tokenizer (stage 1 of LaVIT).

The frozen ViT gives patch features; the selector keeps some (Gumbel-softmax, hard, straight-through);
the merger folds the dropped ones into the kept ones; ``encode_task_layer`` and the quantiser turn the
kept tokens into codebook vectors (straight-through estimator); the feature decoder rebuilds every patch
feature from them. The loss is::

    mean(1 - cos(x, x_rec)) + λ (ρ - mean keep)² + β ‖z - sg(q)‖² + ‖sg(z) - q‖²

with λ = 2 and ρ = 1/3 as in the paper, and the usual VQ commitment (β = 0.25) and codebook terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from docai_lavit.decoder import FeatureDecoder
from docai_lavit.tokenizer import DynamicVisualTokenizer, l2norm

KEEP_RATIO = 1 / 3
KEEP_WEIGHT = 2.0
COMMITMENT = 0.25


@dataclass(frozen=True)
class StepResult:
    """What one step measured (floats, detached)."""

    loss: float
    reconstruction: float  # mean(1 - cos)
    keep_ratio: float  # mean keep decision over the batch
    vq: float


def tokenizer_loss(tokenizer: DynamicVisualTokenizer, decoder: FeatureDecoder, pixels: torch.Tensor, *,
                   keep_ratio: float = KEEP_RATIO, keep_weight: float = KEEP_WEIGHT,
                   commitment: float = COMMITMENT) -> tuple[torch.Tensor, StepResult]:
    """The training loss for a batch of normalised images ``[B, 3, H, W]`` (and its parts)."""
    features, decisions, merged = tokenizer.merged_features(pixels)
    counts = decisions.detach().sum(dim=1).long()
    # Keep the selection differentiable: the straight-through decision scales each kept token.
    kept = (merged * decisions.unsqueeze(-1))[decisions.detach().bool()]
    z = l2norm(tokenizer.encode_task_layer(kept))
    _, ids = tokenizer.quantize.tokenize(z.detach())
    q = l2norm(tokenizer.quantize.embedding(ids))
    vq = commitment * F.mse_loss(z, q.detach()) + F.mse_loss(q, z.detach())
    z_q = z + (q - z).detach()
    rebuilt = decoder.decode(_per_image(z_q, counts))
    reconstruction = (1.0 - F.cosine_similarity(rebuilt.float(), features.float(), dim=-1)).mean()
    ratio = decisions.mean()
    loss = reconstruction + keep_weight * (keep_ratio - ratio) ** 2 + vq
    return loss, StepResult(loss=loss.item(), reconstruction=reconstruction.item(), keep_ratio=ratio.item(),
                            vq=vq.item())


def _per_image(z_q: torch.Tensor, counts: torch.Tensor) -> list[torch.Tensor]:
    """Split per image; an image with no kept token is decoded from one zero token."""
    parts = list(torch.split(z_q, counts.tolist()))
    return [p if len(p) else z_q.new_zeros(1, z_q.shape[1]) for p in parts]


def train_step(tokenizer: DynamicVisualTokenizer, decoder: FeatureDecoder, optimizer: torch.optim.Optimizer,
               pixels: torch.Tensor, **loss_options: float) -> StepResult:
    """One optimiser step on ``pixels``; the ViT stays frozen. Returns the measured loss parts."""
    tokenizer.train()
    decoder.train()
    optimizer.zero_grad(set_to_none=True)
    loss, result = tokenizer_loss(tokenizer, decoder, pixels, **loss_options)
    loss.backward()
    optimizer.step()
    return result


def trainable_parameters(tokenizer: DynamicVisualTokenizer, decoder: FeatureDecoder) -> list[torch.nn.Parameter]:
    """What stage 1 trains: selector, merger, task layer, codebook and the decoder (not the ViT, not vit_proj)."""
    parts = (tokenizer.token_predictor, tokenizer.causal_encoder, tokenizer.encode_task_layer,
             tokenizer.quantize, decoder)
    return [p for part in parts for p in part.parameters() if p.requires_grad]
