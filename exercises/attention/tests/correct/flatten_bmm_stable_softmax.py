import math

import torch
from torch import nn


def _masked_softmax(scores, keep=None):
    """Softmax over the last dim; positions with keep == False get exactly 0."""
    if keep is not None:
        scores = scores.masked_fill(~keep, float("-inf"))
    peak = scores.amax(dim=-1, keepdim=True)
    peak = torch.where(torch.isfinite(peak), peak, torch.zeros_like(peak))
    e = torch.exp(scores - peak)                       # exp(-inf) == 0 exactly
    return e / e.sum(dim=-1, keepdim=True)


class AdditiveAttention(nn.Module):
    def __init__(self, query_dim: int, key_dim: int, attn_dim: int):
        super().__init__()
        self.query_proj = nn.Linear(query_dim, attn_dim, bias=False)
        self.key_proj = nn.Linear(key_dim, attn_dim, bias=False)
        self.v = nn.Linear(attn_dim, 1, bias=False)

    def score(self, query, keys):
        B, T, _ = keys.shape
        projected_q = self.query_proj(query).unsqueeze(1).expand(B, T, -1)
        return self.v(torch.tanh(projected_q + self.key_proj(keys))).view(B, T)

    def forward(self, query, keys, mask=None):
        weights = _masked_softmax(self.score(query, keys), None if mask is None else mask.to(torch.bool))
        context = (weights.unsqueeze(-1) * keys).sum(dim=1)
        return context, weights


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal=False, scale=None):
    *lead, L, E = q.shape
    S, Ev = k.shape[-2], v.shape[-1]
    lead = torch.broadcast_shapes(tuple(lead), tuple(k.shape[:-2]), tuple(v.shape[:-2]))
    q3 = q.expand(*lead, L, E).reshape(-1, L, E)
    k3 = k.expand(*lead, S, E).reshape(-1, S, E)
    v3 = v.expand(*lead, S, Ev).reshape(-1, S, Ev)

    s = scale if scale is not None else 1.0 / math.sqrt(E)
    scores = torch.bmm(q3, k3.transpose(1, 2)).mul(s).view(*lead, L, S)

    keep = None
    if is_causal:
        i = torch.arange(L, device=q.device).view(L, 1)
        j = torch.arange(S, device=q.device).view(1, S)
        keep = j <= i
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            keep = attn_mask if keep is None else keep & attn_mask
        else:
            scores = scores + attn_mask
    if keep is not None:
        keep = keep.expand(scores.shape)
    probs = _masked_softmax(scores, keep)
    out = torch.bmm(probs.reshape(-1, L, S), v3)
    return out.view(*lead, L, Ev)
