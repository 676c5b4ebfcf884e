"""attention exercise: additive (Bahdanau) attention and scaled dot-product attention."""

import math

import torch
from torch import nn


class AdditiveAttention(nn.Module):
    def __init__(self, query_dim: int, key_dim: int, attn_dim: int):
        super().__init__()
        self.query_proj = nn.Linear(query_dim, attn_dim, bias=False)
        self.key_proj = nn.Linear(key_dim, attn_dim, bias=False)
        self.v = nn.Linear(attn_dim, 1, bias=False)

    def forward(self, query, keys, mask=None):
        """query (B, Dq), keys (B, T, Dk), mask (B, T) bool, True = may be attended.
        Returns (context (B, Dk), weights (B, T))."""
        hidden = torch.tanh(self.query_proj(query).unsqueeze(1) + self.key_proj(keys))   # (B, T, A)
        scores = self.v(hidden).squeeze(-1)                                               # (B, T)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)                        # (B, Dk)
        return context, weights


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """softmax(q @ k^T * scale + mask) @ v over the last two dimensions, like
    torch.nn.functional.scaled_dot_product_attention (without dropout)."""
    L, S = q.size(-2), k.size(-2)
    scale = 1.0 / math.sqrt(q.size(-1)) if scale is None else scale
    scores = q @ k.transpose(-2, -1) * scale
    if is_causal:
        causal = torch.ones(L, S, dtype=torch.bool, device=q.device).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    return torch.softmax(scores, dim=-1) @ v
