"""Mistake: sin in the odd columns and cos in the even ones."""

import math

import torch
from torch import nn


def sinusoidal_encoding(length: int, d_model: int, *, dtype=torch.float32, device=None) -> torch.Tensor:
    """The (length, d_model) table: column j holds sin (j even) or cos (j odd) of pos * w_j,
    w_j = 10000^(-2*(j//2)/d_model). Computed in float64 and cast, so every dtype gets the
    closest values it can hold."""
    pos = torch.arange(length, dtype=torch.float64, device=device).unsqueeze(1)
    pair = torch.arange(d_model, device=device) // 2
    freq = torch.exp(pair.to(torch.float64) * (-2.0 * math.log(10000.0) / d_model))
    angle = pos * freq
    odd = (torch.arange(d_model, device=device) % 2).bool()
    return torch.where(odd, torch.sin(angle), torch.cos(angle)).to(dtype)


class PositionalEncoding(nn.Module):
    """Adds the table to embeddings, then dropout. `max_len` only sizes a cache: a longer input
    gets its table computed on the fly."""

    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000, batch_first: bool = False):
        super().__init__()
        self.d_model, self.batch_first = d_model, batch_first
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("pe", sinusoidal_encoding(max_len, d_model, dtype=torch.float64), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T = x.size(1) if self.batch_first else x.size(0)
        table = self.pe[:T] if T <= self.pe.size(0) else sinusoidal_encoding(T, self.d_model, dtype=torch.float64)
        table = table.to(device=x.device, dtype=x.dtype)
        return self.dropout(x + (table if self.batch_first else table.unsqueeze(1)))
