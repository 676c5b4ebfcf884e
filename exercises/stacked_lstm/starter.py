"""Stacked LSTM exercise: re-implement a multi-layer torch.nn.LSTM with plain tensor operations."""

import math

import torch
from torch import nn
from torch.nn import functional as F


class LSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        # For each layer k, register weight_ih_l{k} (4H, in_k), weight_hh_l{k} (4H, H) and, when bias
        # is True, bias_ih_l{k} and bias_hh_l{k} (4H,) as nn.Parameter (setattr works), where
        # in_0 = input_size and in_k = hidden_size for k > 0. Gate blocks in the order i, f, g, o.
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, input: torch.Tensor, hx=None):
        """Return (output, (h_n, c_n)): output (T, B, H) or (B, T, H), h_n and c_n (num_layers, B, H)."""
        raise NotImplementedError("run the layers one after another, each over the whole sequence")
