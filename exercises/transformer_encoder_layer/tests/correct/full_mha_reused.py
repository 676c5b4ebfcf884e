"""A full nn.MultiheadAttention look-alike (sequence-first, heads folded into the batch, bmm) reused as
self_attn, called as torch's layer calls it; activations as modules."""

import math

import torch
import torch.nn.functional as F
from torch import nn


class MultiheadAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None, batch_first=False):
        super().__init__()
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout, self.batch_first = dropout, batch_first
        self.kdim, self.vdim = kdim or embed_dim, vdim or embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = nn.Parameter(torch.empty(embed_dim, embed_dim))
            self.k_proj_weight = nn.Parameter(torch.empty(embed_dim, self.kdim))
            self.v_proj_weight = nn.Parameter(torch.empty(embed_dim, self.vdim))
        if bias:
            self.in_proj_bias = nn.Parameter(torch.empty(3 * embed_dim))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self._reset_parameters()

    def _reset_parameters(self):
        for p in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if p is not None:
                nn.init.xavier_uniform_(p)
        if self.in_proj_bias is not None:
            nn.init.constant_(self.in_proj_bias, 0.0)
            nn.init.constant_(self.out_proj.bias, 0.0)

    @staticmethod
    def _as_float(mask, like):
        if mask.dtype == torch.bool:
            return torch.zeros_like(mask, dtype=like.dtype).masked_fill_(mask, float("-inf"))
        return mask.to(like.dtype)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        has_batch = query.dim() == 3
        if has_batch and self.batch_first:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        if not has_batch:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        n_q, batch, E = query.shape
        n_k = key.shape[0]
        H, D = self.num_heads, self.head_dim

        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            w_q, w_k, w_v = w[:E], w[E:2 * E], w[2 * E:]
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b = self.in_proj_bias
        b_q, b_k, b_v = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        q = F.linear(query, w_q, b_q).contiguous().view(n_q, batch * H, D).transpose(0, 1)
        k = F.linear(key, w_k, b_k).contiguous().view(n_k, batch * H, D).transpose(0, 1)
        v = F.linear(value, w_v, b_v).contiguous().view(n_k, batch * H, D).transpose(0, 1)

        mask = None
        if attn_mask is not None:
            mask = self._as_float(attn_mask, q)
            mask = mask.unsqueeze(0) if mask.dim() == 2 else mask
        if key_padding_mask is not None:
            kpm = self._as_float(key_padding_mask, q).view(batch, 1, 1, n_k).expand(-1, H, -1, -1)
            kpm = kpm.reshape(batch * H, 1, n_k)
            mask = kpm if mask is None else mask + kpm

        q = q * (1.0 / math.sqrt(D))
        scores = torch.bmm(q, k.transpose(1, 2)) if mask is None else torch.baddbmm(mask, q, k.transpose(1, 2))
        peak = scores.amax(dim=-1, keepdim=True)
        e = torch.exp(scores - peak)
        weights = e / e.sum(dim=-1, keepdim=True)
        if self.training and self.dropout > 0.0:
            weights = F.dropout(weights, p=self.dropout)
        out = torch.bmm(weights, v).transpose(0, 1).reshape(n_q * batch, E)
        out = self.out_proj(out).view(n_q, batch, E)
        weights = weights.view(batch, H, n_q, n_k)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not has_batch:
            out, weights = out.squeeze(1), weights.squeeze(0)
        elif self.batch_first:
            out = out.transpose(1, 0)
        return out, (weights if need_weights else None)


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.linear1 = nn.Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model, bias=bias)
        self.norm1 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = nn.LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = {"relu": nn.ReLU(), "gelu": nn.GELU()}[activation] if isinstance(activation, str) else activation
        self.norm_first = norm_first

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        def attend(x):
            out, _ = self.self_attn(x, x, x, key_padding_mask=src_key_padding_mask, need_weights=False,
                                    attn_mask=src_mask)
            return self.dropout1(out)

        def feed_forward(x):
            return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

        if self.norm_first:
            h = src + attend(self.norm1(src))
            return h + feed_forward(self.norm2(h))
        h = self.norm1(src + attend(src))
        return self.norm2(h + feed_forward(h))
