"""Positional encoding exercise: the sinusoidal table of "Attention Is All You Need"."""

import torch
from torch import nn


def sinusoidal_encoding(length: int, d_model: int, *, dtype=torch.float32, device=None) -> torch.Tensor:
    """Return the (length, d_model) table: PE[pos, 2i] = sin(pos / 10000^(2i/d_model)),
    PE[pos, 2i+1] = cos(pos / 10000^(2i/d_model)), pos = 0 .. length-1, in `dtype` on `device`."""
    raise NotImplementedError("build positions and per-column frequencies, then sin for even and cos for odd columns")


class PositionalEncoding(nn.Module):
    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000, batch_first: bool = False):
        super().__init__()
        self.d_model = d_model
        self.batch_first = batch_first
        self.dropout = nn.Dropout(dropout)
        # Precompute the table for max_len positions in a buffer (not a parameter: it is fixed).

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x is (T, B, d_model), or (B, T, d_model) with batch_first; return dropout(x + PE[:T])."""
        raise NotImplementedError("add the table for x's length, in x's dtype and device, then apply dropout")
