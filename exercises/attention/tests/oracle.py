"""The torch.nn oracle: scaled_dot_product_attention delegates to F.scaled_dot_product_attention (graded with
the rules lifted, it must pass every other check); AdditiveAttention has no torch.nn twin and is the reference's."""

import torch
from torch import nn
from torch.nn import functional as F


class AdditiveAttention(nn.Module):
    def __init__(self, query_dim: int, key_dim: int, attn_dim: int):
        super().__init__()
        self.query_proj = nn.Linear(query_dim, attn_dim, bias=False)
        self.key_proj = nn.Linear(key_dim, attn_dim, bias=False)
        self.v = nn.Linear(attn_dim, 1, bias=False)

    def forward(self, query, keys, mask=None):
        # (B, 1, A) + (B, T, A) -> (B, T, A) -> (B, T)
        scores = self.v(torch.tanh(self.query_proj(query).unsqueeze(1) + self.key_proj(keys))).squeeze(-1)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)
        return context, weights


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal, scale=scale)
