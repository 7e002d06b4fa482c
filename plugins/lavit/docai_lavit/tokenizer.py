"""LaVIT's dynamic visual tokenizer: token selector, token merger, quantiser (official module names).

``DynamicVisualTokenizer`` holds ``encoder`` (EVA ViT), ``token_predictor`` (keep/drop scores),
``causal_encoder`` (the token merger), ``encode_task_layer`` (ViT width → code dim), ``quantize``
(the L2-normalised codebook) and ``vit_proj`` (ViT width → LLM width), exactly the names of the released
``tokenizer_encoder.bin`` / ``visual_weight.bin``. An image becomes as many tokens as the selector keeps:
Gumbel-softmax hard decisions while training, a 0.5 threshold on the keep probability at inference.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from docai_lavit.config import LavitConfig
from docai_lavit.eva import EvaVisionTransformer


def l2norm(t: torch.Tensor) -> torch.Tensor:
    return F.normalize(t, p=2, dim=-1)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


def policy_softmax(attn: torch.Tensor, policy: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Softmax over the keys whose ``policy`` weight is 1 ([B, 1, N, N] broadcast), differentiable in it."""
    attn = attn - attn.amax(dim=-1, keepdim=True)
    weights = attn.float().exp() * policy.float()
    n = attn.shape[-1]
    return ((weights + eps / n) / (weights.sum(dim=-1, keepdim=True) + eps)).type_as(attn)


class TokenCausalAttention(nn.Module):
    """Causal self-attention among the kept tokens (each token also sees itself)."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, decisions: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        eye = torch.eye(n, dtype=decisions.dtype, device=x.device).view(1, 1, n, n)
        keep = decisions.reshape(b, 1, 1, n)
        causal = torch.ones(n, n, dtype=decisions.dtype, device=x.device).tril().view(1, 1, n, n)
        policy = (keep + (1.0 - keep) * eye) * causal
        attn = policy_softmax((q @ k.transpose(-2, -1)) * self.scale, policy)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class TokenCrossAttention(nn.Module):
    """Every token attends to the dropped tokens' (layer-normed) ViT features, so their content is merged."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, x_origin: torch.Tensor, decisions: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(b, n, self.heads, c // self.heads).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x_origin)), heads(self.value(x_origin))
        dropped = (1.0 - decisions).reshape(b, 1, 1, n)
        attn = policy_softmax((q @ k.transpose(-2, -1)) * self.scale, dropped)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class CausalFuserBlock(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_hidden: int) -> None:
        super().__init__()
        self.norm0 = nn.LayerNorm(dim, eps=1e-5)
        self.token_causal_attn = TokenCausalAttention(dim, heads)
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.token_cross_attn = TokenCrossAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, mlp_hidden)

    def forward(self, x: torch.Tensor, x_origin: torch.Tensor, decisions: torch.Tensor) -> torch.Tensor:
        x = x + self.token_causal_attn(self.norm0(x), decisions)
        x = x + self.token_cross_attn(self.norm1(x), x_origin, decisions)
        return x + self.mlp(self.norm2(x))


class TokenMerger(nn.Module):
    """``causal_encoder``: the blocks above, a layer norm on the raw ViT features and a final norm."""

    def __init__(self, dim: int, heads: int, depth: int, mlp_hidden: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(CausalFuserBlock(dim, heads, mlp_hidden) for _ in range(depth))
        self.ln_vision = nn.LayerNorm(dim, eps=1e-5)
        self.norm = nn.LayerNorm(dim, eps=1e-5)

    def forward(self, x: torch.Tensor, decisions: torch.Tensor) -> torch.Tensor:
        x_origin = self.ln_vision(x)
        for block in self.blocks:
            x = block(x, x_origin, decisions)
        return self.norm(x)


class TokenPredictor(nn.Module):
    """``token_predictor``: per-patch log-probabilities of (keep, drop) from local and pooled features."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.in_conv = nn.Sequential(nn.LayerNorm(dim, eps=1e-5), nn.Linear(dim, dim), nn.GELU())
        self.out_conv = nn.Sequential(
            nn.Linear(dim, dim // 2), nn.GELU(), nn.Linear(dim // 2, dim // 4), nn.GELU(),
            nn.Linear(dim // 4, 2), nn.LogSoftmax(dim=-1))

    def forward(self, x: torch.Tensor, policy: torch.Tensor) -> torch.Tensor:
        x = self.in_conv(x)
        b, n, c = x.shape
        local = x[:, :, : c // 2]
        pooled = (x[:, :, c // 2:] * policy).sum(dim=1, keepdim=True) / policy.sum(dim=1, keepdim=True)
        return self.out_conv(torch.cat([local, pooled.expand(b, n, c // 2)], dim=-1))


class CodebookEmbedding(nn.Module):
    def __init__(self, num_tokens: int, dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(l2norm(torch.randn(num_tokens, dim)))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return F.embedding(ids, self.weight)


class VectorQuantizer(nn.Module):
    """``quantize``: the nearest codebook vector to the L2-normalised input."""

    def __init__(self, n_code: int, dim: int) -> None:
        super().__init__()
        self.embedding = CodebookEmbedding(n_code, dim)

    def tokenize(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(quantised vectors, code ids) for ``z`` of shape [..., dim]."""
        z = l2norm(z).reshape(-1, self.embedding.weight.shape[1])
        codebook = self.embedding.weight
        distance = z.pow(2).sum(1, keepdim=True) + codebook.pow(2).sum(1) - 2 * z @ codebook.t()
        ids = distance.argmin(dim=1)
        return self.embedding(ids), ids


class DynamicVisualTokenizer(nn.Module):
    """The whole tokenizer; see the module doc for the parts and their names."""

    def __init__(self, config: LavitConfig) -> None:
        super().__init__()
        width = config.vit_width
        self.config = config
        self.encoder = EvaVisionTransformer(config)
        self.encoder.requires_grad_(False)
        self.token_predictor = TokenPredictor(width)
        self.causal_encoder = TokenMerger(width, config.heads, config.merger_depth, config.mlp_hidden)
        self.quantize = VectorQuantizer(config.n_code, config.code_dim)
        self.encode_task_layer = nn.Sequential(nn.Linear(width, width), nn.Tanh(), nn.Linear(width, config.code_dim))
        self.vit_proj = nn.Linear(width, config.llm_width)

    def select(self, features: torch.Tensor, *, sample: bool | None = None) -> torch.Tensor:
        """Keep decisions [B, N] in {0, 1}: Gumbel-softmax (straight-through) when ``sample`` (default:
        in training), else keep probability > 0.5, always keeping at least one token per image."""
        b, n, _ = features.shape
        scores = self.token_predictor(features.float(), features.new_ones(b, n, 1, dtype=torch.float32))
        if self.training if sample is None else sample:
            return F.gumbel_softmax(scores, hard=True)[:, :, 0]
        keep = (scores[:, :, 0] > scores[:, :, 1]).float()
        best = scores[:, :, 0].argmax(dim=1)
        keep[torch.arange(b, device=keep.device), best] = 1.0
        return keep

    def merged_features(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(ViT patch features, keep decisions, merged features) for a batch of images."""
        with torch.no_grad():
            features = self.encoder(pixels)
        decisions = self.select(features)
        return features, decisions, self.causal_encoder(features, decisions.to(features.dtype))

    def encode_features(self, pixels: torch.Tensor) -> list[torch.Tensor]:
        """Understanding: per image, the kept merged features projected to the LLM width ``[n_i, llm]``."""
        _, decisions, merged = self.merged_features(pixels)
        projected = self.vit_proj(merged)
        return [projected[i][decisions[i].bool()] for i in range(len(projected))]

    def tokenize(self, pixels: torch.Tensor) -> list[torch.Tensor]:
        """Generation input: per image, the codebook ids of its kept tokens (``[n_i]``, without offset)."""
        _, decisions, merged = self.merged_features(pixels)
        counts = decisions.sum(dim=1).long().tolist()
        kept = merged[decisions.bool()]
        _, ids = self.quantize.tokenize(self.encode_task_layer(kept.to(self.encode_task_layer[-1].weight.dtype)))
        return list(torch.split(ids, counts))
