"""Correct: each pair (sin, cos) is the imaginary and real part of exp(i * pos * w), interleaved by stacking."""

import math

import torch
from torch import nn


def sinusoidal_encoding(length, d_model, *, dtype=torch.float32, device=None):
    pairs = (d_model + 1) // 2
    w = torch.exp(-math.log(10000.0) * 2 * torch.arange(pairs, dtype=torch.float64) / d_model)
    theta = torch.outer(torch.arange(length, dtype=torch.float64), w)
    z = torch.polar(torch.ones_like(theta), theta)
    interleaved = torch.stack((z.imag, z.real), dim=-1).flatten(start_dim=-2)
    return interleaved[:, :d_model].to(device=device, dtype=dtype)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=5000, batch_first=False):
        super().__init__()
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("cache", sinusoidal_encoding(max_len, d_model, dtype=torch.float64), persistent=False)

    def encoding(self, length, like):
        if length <= self.max_len:
            pe = self.cache.narrow(0, 0, length)
        else:
            pe = sinusoidal_encoding(length, self.d_model, dtype=torch.float64)
        return pe.to(device=like.device, dtype=like.dtype)

    def forward(self, x):
        if self.batch_first:
            pe = self.encoding(x.shape[1], x).expand(x.shape[0], -1, -1)
        else:
            pe = self.encoding(x.shape[0], x).unsqueeze(1).expand(-1, x.shape[1], -1)
        return self.dropout(torch.add(x, pe))
