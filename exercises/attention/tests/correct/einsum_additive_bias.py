import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class AdditiveAttention(nn.Module):
    """Bahdanau attention with einsum and a single additive bias for the mask."""

    def __init__(self, query_dim, key_dim, attn_dim):
        super().__init__()
        self.query_proj = nn.Linear(query_dim, attn_dim, bias=False)
        self.key_proj = nn.Linear(key_dim, attn_dim, bias=False)
        self.v = nn.Linear(attn_dim, 1, bias=False)

    def forward(self, query, keys, mask=None):
        q = torch.einsum("ba,da->bd", query, self.query_proj.weight)            # (B, A)
        k = torch.einsum("btk,dk->btd", keys, self.key_proj.weight)             # (B, T, A)
        energy = torch.einsum("btd,od->bto", torch.tanh(q[:, None, :] + k), self.v.weight)[..., 0]
        if mask is not None:
            neg_inf = torch.tensor(float("-inf"), dtype=energy.dtype, device=energy.device)
            energy = torch.where(mask.bool(), energy, neg_inf)
        weights = F.softmax(energy, dim=1)
        context = torch.einsum("bt,btk->bk", weights, keys)
        return context, weights


def _bias(attn_mask, is_causal, L, S, dtype, device):
    bias = torch.zeros(L, S, dtype=dtype, device=device)
    if is_causal:
        bias = bias.masked_fill(torch.triu(torch.ones(L, S, dtype=torch.bool, device=device), diagonal=1),
                                float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            extra = torch.zeros(attn_mask.shape, dtype=dtype, device=device).masked_fill(~attn_mask, float("-inf"))
        else:
            extra = attn_mask.to(dtype)
        bias = bias + extra                        # broadcasts to (..., L, S)
    return bias


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    E = q.shape[-1]
    factor = scale if scale is not None else E ** -0.5
    scores = torch.einsum("...le,...se->...ls", q, k) * factor
    scores = scores + _bias(attn_mask, is_causal, q.shape[-2], k.shape[-2], scores.dtype, scores.device)
    attn = scores.softmax(dim=-1)
    return torch.einsum("...ls,...sv->...lv", attn, v)
