"""Modules only hold the parameters; forward is functional: F.layer_norm, F.dropout, einsum attention, and
one residual helper for both norm placements."""

import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    def __init__(self, d, heads, bias):
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d, d))
        nn.init.xavier_uniform_(self.in_proj_weight)
        if bias:
            self.in_proj_bias = nn.Parameter(torch.zeros(3 * d))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = nn.Linear(d, d, bias=bias)
        if bias:
            self.out_proj.bias.data.zero_()


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True):
        super().__init__()
        self.self_attn = Attention(d_model, nhead, bias)
        self.linear1 = nn.Linear(d_model, dim_feedforward, bias=bias)
        self.linear2 = nn.Linear(dim_feedforward, d_model, bias=bias)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.p, self.eps, self.batch_first, self.norm_first = dropout, layer_norm_eps, batch_first, norm_first
        self.act = activation if callable(activation) else getattr(F, activation)

    def _norm(self, which, x):
        return F.layer_norm(x, x.shape[-1:], which.weight, which.bias, self.eps)

    def _drop(self, x):
        return F.dropout(x, self.p, self.training)

    def _attend(self, x, mask, padding):
        """x (S, N, E), sequence-first."""
        a = self.self_attn
        s, n, e = x.shape
        h = a.heads
        d = e // h
        qkv = torch.einsum("sne,fe->snf", x, a.in_proj_weight)
        if a.in_proj_bias is not None:
            qkv = qkv + a.in_proj_bias
        q, k, v = qkv.view(s, n, 3, h, d).unbind(2)
        logits = torch.einsum("snhd,tnhd->nhst", q, k) / d ** 0.5
        extra = x.new_zeros(n, h, s, s)
        if mask is not None:
            mask = mask.view(n, h, s, s) if mask.dim() == 3 else mask
            extra = extra.masked_fill(mask, float("-inf")) if mask.dtype == torch.bool else extra + mask
        if padding is not None:
            padding = padding.view(n, 1, 1, s)
            extra = extra.masked_fill(padding, float("-inf")) if padding.dtype == torch.bool else extra + padding
        w = self._drop(torch.softmax(logits + extra, dim=-1))
        return a.out_proj(torch.einsum("nhst,tnhd->snhd", w, v).reshape(s, n, e))

    def _feed_forward(self, x):
        w1, b1, w2, b2 = self.linear1.weight, self.linear1.bias, self.linear2.weight, self.linear2.bias
        return F.linear(self._drop(self.act(F.linear(x, w1, b1))), w2, b2)

    def _residual(self, x, norm, block):
        if self.norm_first:
            return x + self._drop(block(self._norm(norm, x)))
        return self._norm(norm, x + self._drop(block(x)))

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        unbatched = src.dim() == 2
        if unbatched:
            x = src.unsqueeze(1)
            if src_key_padding_mask is not None:
                src_key_padding_mask = src_key_padding_mask.unsqueeze(0)
        else:
            x = src.transpose(0, 1) if self.batch_first else src
        x = self._residual(x, self.norm1, lambda y: self._attend(y, src_mask, src_key_padding_mask))
        x = self._residual(x, self.norm2, self._feed_forward)
        if unbatched:
            return x.squeeze(1)
        return x.transpose(0, 1) if self.batch_first else x
