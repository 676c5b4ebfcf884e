"""Correct: even/odd column slices with a power of 10000, and a buffer that grows on demand."""

import torch
from torch import nn


def sinusoidal_encoding(length: int, d_model: int, *, dtype=torch.float32, device=None) -> torch.Tensor:
    position = torch.arange(length, dtype=torch.float64).unsqueeze(1)
    even = torch.arange(0, d_model, 2, dtype=torch.float64)
    angles = position / torch.pow(torch.tensor(10000.0, dtype=torch.float64), even / d_model)
    pe = torch.empty(length, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angles)
    pe[:, 1::2] = torch.cos(angles[:, : d_model // 2])
    return pe.to(device=device, dtype=dtype)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000, batch_first: bool = False):
        super().__init__()
        self.d_model = d_model
        self.batch_first = batch_first
        self.drop = nn.Dropout(p=dropout)
        self.register_buffer("table", sinusoidal_encoding(max_len, d_model, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.batch_first:
            x = x.transpose(0, 1)
        steps = x.size(0)
        if steps > self.table.size(0):
            self.table = sinusoidal_encoding(steps, self.d_model, dtype=torch.float64, device=self.table.device)
        y = x + self.table[:steps, None, :].to(x)
        y = self.drop(y)
        return y.transpose(0, 1) if self.batch_first else y
