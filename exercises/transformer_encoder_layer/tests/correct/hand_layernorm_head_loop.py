"""Raw parameters wherever the names allow: a hand-written LayerNorm and feed-forward weights, attention one head
at a time with a float mask merged up front, dropout masks drawn by hand."""

import math

import torch
from torch import nn


class Norm(nn.Module):
    def __init__(self, d, eps, bias):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d)) if bias else None

    def forward(self, x):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        y = (x - mu) / torch.sqrt(var + self.eps) * self.weight
        return y if self.bias is None else y + self.bias


class Dense(nn.Module):
    def __init__(self, n_in, n_out, bias):
        super().__init__()
        bound = 1 / math.sqrt(n_in)
        self.weight = nn.Parameter(torch.empty(n_out, n_in).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_out).uniform_(-bound, bound)) if bias else None

    def forward(self, x):
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias


class HeadByHead(nn.Module):
    def __init__(self, d, heads, bias):
        super().__init__()
        self.heads = heads
        limit = math.sqrt(6 / (4 * d))
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d, d).uniform_(-limit, limit))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d)) if bias else None
        self.out_proj = Dense(d, d, bias)
        if bias:
            with torch.no_grad():
                self.out_proj.bias.zero_()

    def forward(self, x, additive, drop):
        """x (N, T, E); additive (N, H, T, T) or None; drop(t) applies dropout."""
        e = x.shape[-1]
        d = e // self.heads
        w, b = self.in_proj_weight, self.in_proj_bias
        heads = []
        for h in range(self.heads):
            parts = []
            for j in range(3):
                rows = slice(j * e + h * d, j * e + (h + 1) * d)
                y = x @ w[rows].T
                parts.append(y if b is None else y + b[rows])
            q, k, v = parts
            score = q @ k.transpose(1, 2) * (1.0 / math.sqrt(d))
            if additive is not None:
                score = score + additive[:, h]
            heads.append(drop(torch.softmax(score, dim=-1)) @ v)
        return self.out_proj(torch.cat(heads, dim=-1))


def to_additive(mask, like):
    if mask.dtype == torch.bool:
        return torch.zeros(mask.shape, dtype=like.dtype, device=like.device).masked_fill(mask, -math.inf)
    return mask


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True):
        super().__init__()
        self.self_attn = HeadByHead(d_model, nhead, bias)
        self.linear1 = Dense(d_model, dim_feedforward, bias)
        self.linear2 = Dense(dim_feedforward, d_model, bias)
        self.norm1 = Norm(d_model, layer_norm_eps, bias)
        self.norm2 = Norm(d_model, layer_norm_eps, bias)
        self.rate, self.nhead = dropout, nhead
        self.batch_first, self.norm_first = batch_first, norm_first
        if activation == "relu":
            self.activation = torch.relu
        elif activation == "gelu":
            self.activation = lambda z: 0.5 * z * (1 + torch.erf(z / math.sqrt(2)))
        else:
            self.activation = activation

    def drop(self, x):
        if not self.training or self.rate == 0:
            return x
        if self.rate >= 1:
            return torch.zeros_like(x)
        keep = (torch.rand_like(x) >= self.rate).to(x.dtype)
        return x * keep / (1 - self.rate)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        squeeze = src.dim() == 2
        x = src.unsqueeze(0) if squeeze else (src if self.batch_first else src.permute(1, 0, 2))
        n, t, _ = x.shape
        additive = None
        if src_mask is not None:
            m = to_additive(src_mask, x)
            additive = m.reshape(n, self.nhead, t, t) if m.dim() == 3 else m.expand(n, self.nhead, t, t)
        if src_key_padding_mask is not None:
            pad = to_additive(src_key_padding_mask.reshape(n, 1, 1, t), x)
            additive = pad.expand(n, self.nhead, t, t) if additive is None else additive + pad
        if self.norm_first:
            x = x + self.drop(self.self_attn(self.norm1(x), additive, self.drop))
            x = x + self.drop(self.linear2(self.drop(self.activation(self.linear1(self.norm2(x))))))
        else:
            x = self.norm1(x + self.drop(self.self_attn(x, additive, self.drop)))
            x = self.norm2(x + self.drop(self.linear2(self.drop(self.activation(self.linear1(x))))))
        if squeeze:
            return x.squeeze(0)
        return x if self.batch_first else x.permute(1, 0, 2)
