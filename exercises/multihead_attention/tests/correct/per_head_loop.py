"""One head at a time: slice each head's rows out of the projection weights, attend, concatenate."""

import math

import torch
from torch import nn


class OutProjection(nn.Module):
    """weight and bias as raw parameters: the names (out_proj.weight, out_proj.bias) are what matters."""

    def __init__(self, dim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim, dim).uniform_(-1 / math.sqrt(dim), 1 / math.sqrt(dim)))
        self.bias = nn.Parameter(torch.zeros(dim)) if bias else None

    def forward(self, x):
        y = x @ self.weight.t()
        return y if self.bias is None else y + self.bias


class MultiheadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None, batch_first=False):
        super().__init__()
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self.fused = self.kdim == self.vdim == embed_dim

        def xavier(rows, cols):
            bound = math.sqrt(6.0 / (rows + cols))
            return nn.Parameter(torch.empty(rows, cols).uniform_(-bound, bound))

        if self.fused:
            self.in_proj_weight = xavier(3 * embed_dim, embed_dim)
        else:
            self.q_proj_weight = xavier(embed_dim, embed_dim)
            self.k_proj_weight = xavier(embed_dim, self.kdim)
            self.v_proj_weight = xavier(embed_dim, self.vdim)
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim)) if bias else None
        self.out_proj = OutProjection(embed_dim, bias)

    def _project(self, x, which, head):
        """x (..., in) -> (..., D) for one of q/k/v (which = 0/1/2) and one head."""
        E, D = self.embed_dim, self.embed_dim // self.num_heads
        rows = slice(head * D, (head + 1) * D)
        if self.fused:
            w = self.in_proj_weight[which * E:(which + 1) * E][rows]
        else:
            w = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)[which][rows]
        y = x @ w.t()
        if self.in_proj_bias is not None:
            y = y + self.in_proj_bias[which * E:(which + 1) * E][rows]
        return y

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        batched = query.dim() == 3
        if not batched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
        elif not self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        N, L, _ = query.shape
        S, D = key.shape[1], self.embed_dim // self.num_heads
        outs, all_weights = [], []
        for h in range(self.num_heads):
            q, k, v = self._project(query, 0, h), self._project(key, 1, h), self._project(value, 2, h)
            scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(D)            # (N, L, S)
            if attn_mask is not None:
                m = attn_mask if attn_mask.dim() == 2 else attn_mask.view(N, self.num_heads, L, S)[:, h]
                scores = scores.masked_fill(m, -math.inf) if m.dtype == torch.bool else scores + m
            if key_padding_mask is not None:
                m = key_padding_mask.view(N, 1, S)
                scores = scores.masked_fill(m, -math.inf) if m.dtype == torch.bool else scores + m
            w = torch.softmax(scores, dim=2)
            if self.training and self.dropout > 0:
                w = nn.functional.dropout(w, self.dropout)
            outs.append(torch.bmm(w, v))
            all_weights.append(w)
        out = self.out_proj(torch.cat(outs, dim=2))
        weights = torch.stack(all_weights, dim=1)                               # (N, H, L, S)
        if not batched:
            out, weights = out.squeeze(0), weights.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = sum(weights.unbind(-3)) / self.num_heads
        return out, weights
