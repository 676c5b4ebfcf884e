"""Known mistake: src_key_padding_mask is accepted but never applied."""

import math

import torch
import torch.nn.functional as F
from torch import nn


class SelfAttention(nn.Module):
    """Multi-head self-attention with nn.MultiheadAttention's parameters; works batch-first, (N, T, E)."""

    def __init__(self, embed_dim, num_heads, dropout, bias):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"d_model {embed_dim} is not divisible by nhead {num_heads}")
        self.num_heads, self.dropout = num_heads, dropout
        self.in_proj_weight = nn.Parameter(nn.init.xavier_uniform_(torch.empty(3 * embed_dim, embed_dim)))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim)) if bias else None
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        if bias:
            nn.init.zeros_(self.out_proj.bias)

    def forward(self, x, attn_mask=None, key_padding_mask=None):
        N, T, E = x.shape
        H = self.num_heads
        q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        q, k, v = (t.reshape(N, T, H, E // H).transpose(1, 2) for t in (q, k, v))    # (N, H, T, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(E // H)                        # (N, H, T, T)
        if attn_mask is not None:
            scores = _apply(scores, attn_mask if attn_mask.dim() == 2 else attn_mask.reshape(N, H, T, T))
        weights = F.dropout(torch.softmax(scores, dim=-1), self.dropout, self.training)
        return self.out_proj((weights @ v).transpose(1, 2).reshape(N, T, E))


def _apply(scores, mask):
    """torch's convention: a boolean mask is True where attending is NOT allowed; a float mask is added."""
    return scores.masked_fill(mask, float("-inf")) if mask.dtype == torch.bool else scores + mask


ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True):
        super().__init__()
        self.self_attn = SelfAttention(d_model, nhead, dropout, bias)
        self.linear1 = nn.Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model, bias=bias)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = ACTIVATIONS[activation] if isinstance(activation, str) else activation
        self.batch_first, self.norm_first = batch_first, norm_first

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        # is_causal only says that src_mask is the causal mask: the mask itself is applied.
        batched = src.dim() == 3
        x = src if not batched or self.batch_first else src.transpose(0, 1)
        if not batched:
            x = x.unsqueeze(0)
            if src_key_padding_mask is not None:
                src_key_padding_mask = src_key_padding_mask.unsqueeze(0)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask))
            x = self.norm2(x + self._ff_block(x))
        if not batched:
            return x.squeeze(0)
        return x if self.batch_first else x.transpose(0, 1)

    def _sa_block(self, x, mask, padding):
        return self.dropout1(self.self_attn(x, mask, padding))

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))
