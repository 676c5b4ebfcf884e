"""attention exercise: additive (Bahdanau) attention and scaled dot-product attention."""

import math

import torch
from torch import nn


class AdditiveAttention(nn.Module):
    def __init__(self, query_dim: int, key_dim: int, attn_dim: int):
        super().__init__()
        # query_proj: Linear(query_dim -> attn_dim), key_proj: Linear(key_dim -> attn_dim),
        # v: Linear(attn_dim -> 1), all without bias.

    def forward(self, query, keys, mask=None):
        """query (B, Dq), keys (B, T, Dk), mask (B, T) bool, True = may be attended.
        Returns (context (B, Dk), weights (B, T))."""
        raise NotImplementedError("score every key, mask, softmax over T, weighted sum of the keys")


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """softmax(q @ k^T * scale + mask) @ v over the last two dimensions, like
    torch.nn.functional.scaled_dot_product_attention (without dropout)."""
    raise NotImplementedError("scores, scale, mask, softmax over the keys, weighted sum of v")
