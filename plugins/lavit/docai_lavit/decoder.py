"""Decoders from a variable number of quantised tokens back to a fixed grid (official module names).

``FeatureDecoder`` is the tokenizer's training decoder: learned queries (one per ViT patch) attend to the
quantised tokens through ``blocks`` of self-attention, cross-attention and MLP, and ``decode_task_layer``
maps them back to ViT features. ``HighresVQDecoder`` is the same stack as released in
``visual_tokenizer/highres_tokenizer_decoder.bin``, plus the projections that turn the decoded features
into the pixel decoder's conditioning: ``unet_proj_1`` / ``unet_proj_2`` (768 and 1280 wide, concatenated
into the U-Net's cross-attention states) and ``unet_attnpool`` (the pooled embedding).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from docai_lavit.config import LavitConfig
from docai_lavit.tokenizer import Mlp


class SelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        return self.proj(F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, c))


class CrossAttention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, codebook_embeds: torch.Tensor, codebook_mask: torch.Tensor) -> torch.Tensor:
        b, n, c = codebook_embeds.shape
        nx = x.shape[1]
        q = self.query(x).reshape(b, nx, self.heads, c // self.heads).transpose(1, 2)
        k = self.key(codebook_embeds).reshape(b, n, self.heads, c // self.heads).transpose(1, 2)
        v = self.value(codebook_embeds).reshape(b, n, self.heads, c // self.heads).transpose(1, 2)
        bias = ((1.0 - codebook_mask) * -10000.0)[:, None, None, :].to(q.dtype)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        return self.proj(out.transpose(1, 2).reshape(b, nx, c))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_hidden: int) -> None:
        super().__init__()
        self.norm0 = nn.LayerNorm(dim, eps=1e-5)
        self.self_attn = SelfAttention(dim, heads)
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.cross_attn = CrossAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, mlp_hidden)

    def forward(self, x: torch.Tensor, codebook_embeds: torch.Tensor, codebook_mask: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(self.norm0(x))
        x = x + self.cross_attn(self.norm1(x), codebook_embeds, codebook_mask)
        return x + self.mlp(self.norm2(x))


class FeatureDecoder(nn.Module):
    """Quantised tokens (a list of ``[n_i, code_dim]``) → ViT-width features on the full patch grid."""

    def __init__(self, config: LavitConfig) -> None:
        super().__init__()
        dim, patches = config.vit_width, config.num_patches
        self.in_proj = nn.Linear(config.code_dim, dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, patches, dim))
        self.query_embed = nn.Parameter(torch.zeros(1, patches, dim))
        self.blocks = nn.ModuleList(Block(dim, config.heads, config.mlp_hidden) for _ in range(config.decoder_depth))
        self.norm = nn.LayerNorm(dim, eps=1e-5)
        self.decode_task_layer = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.query_embed, std=0.02)

    def decode(self, tokens: list[torch.Tensor]) -> torch.Tensor:
        """``[B, num_patches, vit_width]`` reconstructed features for each image's token list."""
        counts = [len(t) for t in tokens]
        x = self.in_proj(torch.cat(tokens).to(self.in_proj.weight.dtype))
        longest = max(counts)
        padded = x.new_zeros(len(tokens), longest, x.shape[1])
        mask = x.new_zeros(len(tokens), longest)
        for i, part in enumerate(torch.split(x, counts)):
            padded[i, : len(part)] = part
            mask[i, : len(part)] = 1.0
        padded = padded + self.pos_embed[:, :longest]
        queries = self.query_embed.expand(len(tokens), -1, -1)
        for block in self.blocks:
            queries = block(queries, padded, mask)
        return self.decode_task_layer(self.norm(queries))

    def forward(self, tokens: list[torch.Tensor]) -> torch.Tensor:
        return self.decode(tokens)


class AttentionPool2d(nn.Module):
    """CLIP-style attention pooling: the mean token attends to all tokens; its output is the pooled vector."""

    def __init__(self, seq_len: int, dim: int, heads: int, out_dim: int) -> None:
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.randn(seq_len + 1, dim) / dim ** 0.5)
        self.k_proj = nn.Linear(dim, dim)
        self.q_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.c_proj = nn.Linear(dim, out_dim)
        self.heads = heads

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.cat([x.mean(dim=1, keepdim=True), x], dim=1) + self.positional_embedding.to(x.dtype)
        b, n, c = x.shape
        q = self.q_proj(x[:, :1]).reshape(b, 1, self.heads, c // self.heads).transpose(1, 2)
        k = self.k_proj(x).reshape(b, n, self.heads, c // self.heads).transpose(1, 2)
        v = self.v_proj(x).reshape(b, n, self.heads, c // self.heads).transpose(1, 2)
        pooled = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, c)
        return self.c_proj(pooled)


class HighresVQDecoder(FeatureDecoder):
    """The released pixel-decoder conditioning: (prompt embeds ``[B, N, 768+1280]``, pooled ``[B, 1280]``)."""

    def __init__(self, config: LavitConfig) -> None:
        super().__init__(config)
        first, second = config.cond_dims
        self.unet_proj_1 = nn.Linear(config.vit_width, first)
        self.unet_proj_2 = nn.Linear(config.vit_width, second)
        self.unet_attnpool = AttentionPool2d(config.num_patches, config.vit_width, config.heads, config.pooled_dim)

    def forward(self, tokens: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        decoded = self.decode(tokens)
        prompt = torch.cat([self.unet_proj_1(decoded), self.unet_proj_2(decoded)], dim=-1)
        return prompt, self.unet_attnpool(decoded)
