"""Known mistake: takes is_causal=True as a reason to skip attn_mask (and builds no causal mask either)."""

import math

import torch
import torch.nn.functional as F
from torch import nn


class MultiheadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None, batch_first=False):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self.dropout, self.batch_first = dropout, batch_first
        self.packed = self.kdim == embed_dim and self.vdim == embed_dim
        if self.packed:
            self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))
        else:
            self.q_proj_weight = nn.Parameter(torch.empty(embed_dim, embed_dim))
            self.k_proj_weight = nn.Parameter(torch.empty(embed_dim, self.kdim))
            self.v_proj_weight = nn.Parameter(torch.empty(embed_dim, self.vdim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim)) if bias else None
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        for w in ([self.in_proj_weight] if self.packed else [self.q_proj_weight, self.k_proj_weight, self.v_proj_weight]):
            nn.init.xavier_uniform_(w)
        if bias:
            nn.init.zeros_(self.out_proj.bias)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        # the mistake: with is_causal=True the causal mask is assumed to be applied elsewhere, so attn_mask is skipped
        batched = query.dim() == 3
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        L, N, E = query.shape
        S, H, D = key.size(0), self.num_heads, self.head_dim

        if self.packed:
            w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b_q, b_k, b_v = self.in_proj_bias.chunk(3) if self.in_proj_bias is not None else (None, None, None)
        # (T, N, E) -> (T, N, H, D) -> (N, H, T, D): head h owns features h*D .. (h+1)*D - 1
        q = F.linear(query, w_q, b_q).reshape(L, N, H, D).permute(1, 2, 0, 3)
        k = F.linear(key, w_k, b_k).reshape(S, N, H, D).permute(1, 2, 0, 3)
        v = F.linear(value, w_v, b_v).reshape(S, N, H, D).permute(1, 2, 0, 3)

        scores = q @ k.transpose(-2, -1) / math.sqrt(D)                    # (N, H, L, S)
        if attn_mask is not None and not is_causal:
            mask = attn_mask if attn_mask.dim() == 2 else attn_mask.reshape(N, H, L, S)
            scores = _apply(scores, mask)
        if key_padding_mask is not None:
            scores = _apply(scores, key_padding_mask.reshape(N, 1, 1, S))
        weights = torch.softmax(scores, dim=-1)
        weights = F.dropout(weights, self.dropout, self.training)

        out = (weights @ v).permute(2, 0, 1, 3).reshape(L, N, E)           # heads concatenated again
        out = self.out_proj(out)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        return out, weights.mean(dim=-3) if average_attn_weights else weights


def _apply(scores, mask):
    """torch's convention: a boolean mask is True where attending is NOT allowed; a float mask is added."""
    if mask.dtype == torch.bool:
        return scores.masked_fill(mask, float("-inf"))
    return scores + mask
