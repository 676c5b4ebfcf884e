"""Batch-major throughout, heads as a separate einsum axis, one additive float mask built up front."""

import torch
from torch import nn


class MultiheadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None, batch_first=False):
        super().__init__()
        assert embed_dim % num_heads == 0
        self.e, self.h, self.p, self.batch_first = embed_dim, num_heads, dropout, batch_first
        kdim, vdim = kdim or embed_dim, vdim or embed_dim
        self.same = kdim == embed_dim and vdim == embed_dim
        if self.same:
            self.in_proj_weight = nn.Parameter(nn.init.xavier_uniform_(torch.empty(3 * embed_dim, embed_dim)))
        else:
            self.q_proj_weight = nn.Parameter(nn.init.xavier_uniform_(torch.empty(embed_dim, embed_dim)))
            self.k_proj_weight = nn.Parameter(nn.init.xavier_uniform_(torch.empty(embed_dim, kdim)))
            self.v_proj_weight = nn.Parameter(nn.init.xavier_uniform_(torch.empty(embed_dim, vdim)))
        if bias:
            self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        if bias:
            nn.init.constant_(self.out_proj.bias, 0.0)
        self.drop = nn.Dropout(dropout)

    def _weights(self):
        if self.same:
            return self.in_proj_weight.split(self.e)
        return self.q_proj_weight, self.k_proj_weight, self.v_proj_weight

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query[None], key[None], value[None]
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask[None]
        elif not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        n, l_len, _ = query.shape
        s_len, h = key.shape[1], self.h
        d = self.e // h
        biases = self.in_proj_bias.split(self.e) if self.in_proj_bias is not None else (0.0, 0.0, 0.0)
        (wq, wk, wv), (bq, bk, bv) = self._weights(), biases
        q = (torch.einsum("nle,fe->nlf", query, wq) + bq).unflatten(-1, (h, d))
        k = (torch.einsum("nse,fe->nsf", key, wk) + bk).unflatten(-1, (h, d))
        v = (torch.einsum("nse,fe->nsf", value, wv) + bv).unflatten(-1, (h, d))

        bias_mask = query.new_zeros(n, h, l_len, s_len)
        for mask, shape in ((attn_mask, (n, h, l_len, s_len)), (key_padding_mask, (n, 1, 1, s_len))):
            if mask is None:
                continue
            mask = mask.reshape(shape) if mask.dim() != 2 or shape[1] == 1 else mask
            if mask.dtype == torch.bool:
                bias_mask = bias_mask.masked_fill(mask, float("-inf"))
            else:
                bias_mask = bias_mask + mask
        scores = torch.einsum("nlhd,nshd->nhls", q, k) * d ** -0.5 + bias_mask
        attn = self.drop(scores.softmax(dim=-1))
        out = self.out_proj(torch.einsum("nhls,nshd->nlhd", attn, v).flatten(-2))
        if unbatched:
            out, attn = out[0], attn[0]
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        return out, (attn.mean(-3) if average_attn_weights else attn)
