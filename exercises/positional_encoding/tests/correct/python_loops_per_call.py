"""Correct: the table from Python's math module, element by element; the module builds it per call."""

import math

import torch
import torch.nn.functional as F
from torch import nn


def sinusoidal_encoding(length, d_model, *, dtype=torch.float32, device=None):
    rows = []
    for pos in range(length):
        row = []
        for j in range(d_model):
            angle = pos / 10000 ** ((j - j % 2) / d_model)
            row.append(math.cos(angle) if j % 2 else math.sin(angle))
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float64).reshape(length, d_model).to(dtype=dtype, device=device)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=5000, batch_first=False):
        super().__init__()
        self.d_model = d_model
        self.p = dropout
        self.batch_first = batch_first

    def forward(self, x):
        time_dim = 1 if self.batch_first else 0
        pe = sinusoidal_encoding(x.shape[time_dim], self.d_model, dtype=x.dtype, device=x.device)
        shape = [1, 1, self.d_model]
        shape[time_dim] = x.shape[time_dim]
        return F.dropout(x + pe.view(shape), p=self.p, training=self.training)
